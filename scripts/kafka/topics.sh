#!/usr/bin/env bash
# Kafka's own topic tool (kafka-topics) against the broker; arguments as for kafka-topics.sh.
# Examples: scripts/kafka/topics.sh --list
#           scripts/kafka/topics.sh --describe --topic product-events
#           scripts/kafka/topics.sh --create --topic product-events --partitions 6
# The broker: KAFKA_BOOTSTRAP (host:port), else 127.0.0.1:KAFKA_PORT (default 9092).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
kafka_tool org.apache.kafka.tools.TopicCommand "$@"
