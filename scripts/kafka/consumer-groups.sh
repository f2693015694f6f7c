#!/usr/bin/env bash
# Kafka's own consumer-group tool (kafka-consumer-groups) against the broker; arguments as for
# kafka-consumer-groups.sh.
# Examples: scripts/kafka/consumer-groups.sh --list
#           scripts/kafka/consumer-groups.sh --describe --group usage-readiness-ingest   (lag per partition)
#           scripts/kafka/consumer-groups.sh --reset-offsets --group usage-readiness-ingest \
#             --topic product-events --to-earliest --execute                            (group stopped)
# The broker: KAFKA_BOOTSTRAP (host:port), else 127.0.0.1:KAFKA_PORT (default 9092).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@"
