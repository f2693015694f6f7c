#!/usr/bin/env bash
# Starts a single-node Apache Kafka broker (KRaft, combined broker+controller) on 127.0.0.1.
# Jars come from Maven Central via pom.xml and are cached under .cache/kafka (git-ignored).
# Usage: scripts/kafka/start.sh            (port from KAFKA_PORT, default 9092)
#        scripts/kafka/stop.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="$root/.cache/kafka"
port="${KAFKA_PORT:-9092}"
controller_port="${KAFKA_CONTROLLER_PORT:-9093}"
mkdir -p "$cache"

if [ ! -f "$cache/lib/.complete" ]; then
  echo "kafka: fetching broker jars from Maven Central (pom: scripts/kafka/pom.xml)"
  rm -rf "$cache/lib"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$cache/lib" -DincludeScope=runtime
  touch "$cache/lib/.complete"
fi

if [ -f "$cache/broker.pid" ] && kill -0 "$(cat "$cache/broker.pid")" 2>/dev/null; then
  echo "kafka: already running (pid $(cat "$cache/broker.pid"))"
  exit 0
fi

run="$cache/run"
rm -rf "$run"
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
cluster_id=$(java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool random-uuid)
java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool format \
  -t "$cluster_id" -c "$run/server.properties" > "$run/format.log" 2>&1 \
  || { cat "$run/format.log"; exit 1; }

nohup java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$run/server.properties" > "$run/broker.log" 2>&1 &
echo $! > "$cache/broker.pid"

# Poll for the listener instead of sleeping a fixed time.
for _ in $(seq 1 120); do
  if (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
    echo "kafka: broker up on 127.0.0.1:${port} (pid $(cat "$cache/broker.pid"), Kafka $(ls "$cache/lib" | sed -n 's/^kafka_2.13-\(.*\)\.jar$/\1/p'))"
    exit 0
  fi
  if ! kill -0 "$(cat "$cache/broker.pid")" 2>/dev/null; then
    echo "kafka: broker exited during start"; tail -50 "$run/broker.log"; exit 1
  fi
  sleep 0.5
done
echo "kafka: broker did not open 127.0.0.1:${port} within 60s"; tail -50 "$run/broker.log"; exit 1
