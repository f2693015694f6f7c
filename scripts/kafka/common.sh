# Shared by the scripts in scripts/kafka/ (sourced, not run): paths, ports and the jar cache.
root=$(cd "$here/../.." && pwd)
cache="$root/.cache/kafka"
port="${KAFKA_PORT:-9092}"
run="${KAFKA_RUN_DIR:-$cache/run}"
# The default broker keeps its pid where earlier versions of these scripts did.
if [ -z "${KAFKA_RUN_DIR:-}" ]; then pidfile="$cache/broker.pid"; else pidfile="$run/broker.pid"; fi

# Fetches the jars of pom.xml once; fetched again when pom.xml changes.
kafka_jars() {
  local want
  want=$(sha256sum "$here/pom.xml" | cut -d' ' -f1)
  if [ "$(cat "$cache/lib/.complete" 2>/dev/null)" != "$want" ]; then
    echo "kafka: fetching jars from Maven Central (pom: scripts/kafka/pom.xml)"
    mkdir -p "$cache"
    rm -rf "$cache/lib"
    mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$cache/lib" -DincludeScope=runtime
    echo "$want" > "$cache/lib/.complete"
  fi
}

# Runs one of Kafka's own command-line tools (a main class of kafka-tools) against the broker.
kafka_tool() {
  local class=$1
  shift
  kafka_jars >&2
  java -Xmx512m -Dlog4j2.level=WARN -cp "$cache/lib/*" "$class" --bootstrap-server "${KAFKA_BOOTSTRAP:-127.0.0.1:$port}" "$@"
}
