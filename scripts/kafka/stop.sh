#!/usr/bin/env bash
# Stops the broker started by scripts/kafka/start.sh (same KAFKA_RUN_DIR) and waits for it to
# exit. Its data stays in the run directory; `start.sh --reset` deletes it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
[ -f "$pidfile" ] || exit 0
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
fi
rm -f "$pidfile"
echo "kafka: stopped"
