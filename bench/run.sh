#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The benchmark of the issue's figures: afwd pinned to one core (CPU 0), load from
# wrk on the other (CPU 1), over loopback. Prints one line per figure.
#   bash bench/run.sh            memory backend
#   BACKEND=redis bash bench/run.sh   also starts a throw-away redis-server
set -euo pipefail
cd "$(dirname "$0")/.."
AFWD=${AFWD:-build/bin/afwd}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
BACKEND=${BACKEND:-memory}
EVENTS_FOR_MEMORY=${EVENTS_FOR_MEMORY:-100000}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null \
              || echo $((20000 + RANDOM % 20000)); }
pids=()
tmp=$(mktemp -d)
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

env_args=()
if [ "$BACKEND" = redis ]; then
  RPORT=$(free_port)
  # redis-server shares CPU 1 with wrk, so afwd keeps CPU 0 to itself.
  taskset -c 1 redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" >/dev/null &
  pids+=($!)
  until redis-cli -p "$RPORT" ping >/dev/null 2>&1; do sleep 0.1; done
  env_args+=(REDIS_URL="redis://127.0.0.1:$RPORT")
fi
PORT=$(free_port)
env "${env_args[@]}" PORT="$PORT" LOG_LEVEL=warning taskset -c 0 "$AFWD" &
pids+=($!)
AFWD_PID=$!
B="http://127.0.0.1:$PORT"
until curl -sf "$B/health" >/dev/null; do sleep 0.1; done

wrk_rate() { taskset -c 1 wrk -t1 -c"$CONNS" -d"$DURATION" "$@" | awk '/Requests\/sec/ {print $2}'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$AFWD_PID/status"; }

# A batch body of n events of 620 stored bytes each (590 sent + eventId + seq).
batch() {
  local sid=$1 n=$2 pad i
  pad=$(printf 'x%.0s' $(seq 431))
  printf '['
  for ((i = 0; i < n; i++)); do
    [ $i -gt 0 ] && printf ','
    printf '{"sessionId":"%s","type":"step:completed","timestamp":"2026-11-25T21:04:17.123Z","stepNumber":%d,"action":"code/backend","result":"%s"}' "$sid" $((i % 50)) "$pad"
  done
  printf ']'
}

echo "machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo | xargs), backend: $BACKEND"

post=$(wrk_rate -s bench/post_event.lua "$B")
echo "POST /api/events: $post req/s"

batch bench-get 1000 > "$tmp/get.json"
curl -sf -X POST "$B/api/events/batch" -H 'Content-Type: application/json' --data-binary @"$tmp/get.json" >/dev/null
get=$(wrk_rate -s bench/get_events.lua "$B")
echo "GET 1,000 events: $get req/s"

# Memory per stored event: a fresh daemon for a clean baseline.
kill "$AFWD_PID"; wait "$AFWD_PID" 2>/dev/null || true
if [ "$BACKEND" = redis ]; then redis-cli -p "$RPORT" flushall >/dev/null; fi
env "${env_args[@]}" PORT="$PORT" LOG_LEVEL=warning "$AFWD" &
pids+=($!)
AFWD_PID=$!
until curl -sf "$B/health" >/dev/null; do sleep 0.1; done
before=$(rss_kb)
[ "$BACKEND" = redis ] && rbefore=$(redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory:/ {print $2+0}')
for ((s = 0; s < EVENTS_FOR_MEMORY / 10000; s++)); do
  batch "mem-$s" 1000 > "$tmp/mem.json"
  for ((k = 0; k < 10; k++)); do
    curl -sf -X POST "$B/api/events/batch" -H 'Content-Type: application/json' --data-binary @"$tmp/mem.json" >/dev/null
  done
done
after=$(rss_kb)
echo "afwd RSS per stored event: $(( (after - before) * 1024 / EVENTS_FOR_MEMORY )) bytes ($EVENTS_FOR_MEMORY events of 620 bytes)"
if [ "$BACKEND" = redis ]; then
  rafter=$(redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory:/ {print $2+0}')
  echo "Redis used_memory per stored event: $(( (rafter - rbefore) / EVENTS_FOR_MEMORY )) bytes"
fi
