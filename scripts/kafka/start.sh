#!/usr/bin/env bash
# Starts a single-node Apache Kafka broker (KRaft, combined broker+controller) on 127.0.0.1.
# Jars (the broker and Kafka's admin tools) come from Maven Central via pom.xml and are cached
# under .cache/kafka/lib (git-ignored). Topics, offsets and consumer groups are kept in the run
# directory across restarts; --reset deletes them first.
# Usage: scripts/kafka/start.sh [--reset]   (port from KAFKA_PORT, default 9092; controller port
#                                            KAFKA_CONTROLLER_PORT, default 9093; data under
#                                            KAFKA_RUN_DIR, default .cache/kafka/run)
#        scripts/kafka/stop.sh               scripts/kafka/topics.sh …  scripts/kafka/consumer-groups.sh …
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
reset=false
for arg in "$@"; do
  case "$arg" in
    --reset) reset=true ;;
    *) echo "usage: $0 [--reset]" >&2; exit 2 ;;
  esac
done
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
kafka_jars

if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  if $reset; then
    echo "kafka: running (pid $(cat "$pidfile")); stop it (scripts/kafka/stop.sh) before --reset" >&2
    exit 1
  fi
  echo "kafka: already running (pid $(cat "$pidfile"))"
  exit 0
fi

if $reset; then
  echo "kafka: --reset: deleting $run"
  rm -rf "$run"
fi
mkdir -p "$run/data"
cat > "$run/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controller_port}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$run/data
num.partitions=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=24
PROPS
cat > "$run/log4j2.yaml" <<'LOG'
Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: INFO
LOG

cp="$cache/lib/*"
java_opts=(-Xms256m -Xmx1g -Dlog4j2.configurationFile="$run/log4j2.yaml")
# Formatted once: a restart keeps the cluster id, and with it every topic and committed offset.
if [ ! -f "$run/data/meta.properties" ]; then
  cluster_id=$(java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool random-uuid)
  java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$run/server.properties" > "$run/format.log" 2>&1 \
    || { cat "$run/format.log"; exit 1; }
fi

nohup java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$run/server.properties" >> "$run/broker.log" 2>&1 &
echo $! > "$pidfile"

# Poll for the listener instead of sleeping a fixed time.
for _ in $(seq 1 120); do
  if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
    echo "kafka: broker up on 127.0.0.1:${port} (pid $(cat "$pidfile"), data in $run, Kafka $(ls "$cache/lib" | sed -n 's/^kafka_2.13-\(.*\)\.jar$/\1/p'))"
    exit 0
  fi
  if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "kafka: broker exited during start"; tail -50 "$run/broker.log"; exit 1
  fi
  sleep 0.5
done
echo "kafka: broker did not open 127.0.0.1:${port} within 60s"; tail -50 "$run/broker.log"; exit 1
