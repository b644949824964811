#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every figure of bench/RESULTS.md in one run (about 8 minutes), written there with the
# date, machine, commit and commands. afwd (and the redis-server it uses) run on CPU 0,
# the load (wrk, afw-fanout, redis-benchmark) on CPU 1, over loopback. Run it on a quiet
# machine: nothing else building or testing beside it.
#
#   bash bench/run.sh                         # what `make bench` runs
#   AFWD_BEFORE=/path/to/old/afwd bash bench/run.sh   # also an older build, same run
#   QUICK=1 bash bench/run.sh                 # 3 s runs, fewer clients: a smoke test
set -euo pipefail
cd "$(dirname "$0")/.."
AFWD=${AFWD:-build/bin/afwd}
FANOUT=${FANOUT:-build/bin/afw-fanout}
AFWD_BEFORE=${AFWD_BEFORE:-}
QUICK=${QUICK:-0}
OUT=${OUT:-bench/RESULTS.md}
SECS=10
IDLE_CLIENTS=10000
[ "$QUICK" = 1 ] && { SECS=3; IDLE_CLIENTS=1000; }

pids=()
tmp=$(mktemp -d)
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { # a port nobody answers on
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
cpu_s() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
say() { echo "$*" >&2; }

# redis-server on CPU 0 (where afwd runs: the two share a core, as on a small host).
start_redis() {
  local port; port=$(free_port)
  taskset -c 0 redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" >/dev/null &
  pids+=($!); REDIS_PID=$!
  until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
  REDIS_PORT=$port
}
# start_afwd BINARY BACKEND [ENV=VALUE...]: sets AFWD_PID and B (base URL).
start_afwd() {
  local bin=$1 backend=$2; shift 2
  local port; port=$(free_port)
  local envs=(PORT="$port" LOG_LEVEL=warning "$@")
  [ "$backend" = redis ] && envs+=(REDIS_URL="redis://127.0.0.1:$REDIS_PORT" REDIS_PREFIX="bench$RANDOM:")
  env "${envs[@]}" taskset -c 0 "$bin" &
  pids+=($!); AFWD_PID=$!
  B="http://127.0.0.1:$port"; AFWD_PORT=$port
  until curl -sf "$B/health" >/dev/null; do sleep 0.1; done
}
stop_afwd() { kill "$AFWD_PID" 2>/dev/null || true; wait "$AFWD_PID" 2>/dev/null || true; }
# wrk_run ARGS...: "req/s µs-of-afwd-CPU-per-request"
wrk_run() {
  local c0 out c1
  c0=$(cpu_s "$AFWD_PID")
  out=$(taskset -c 1 wrk -t1 -c32 -d"${SECS}s" "$@")
  c1=$(cpu_s "$AFWD_PID")
  awk -v c0="$c0" -v c1="$c1" -v secs="$SECS" '/Requests\/sec/ {printf "%.0f %.1f\n", $2, (c1 - c0) * 1e6 / ($2 * secs)}' <<<"$out"
}
batch() { # a batch body of n 620-byte events
  local sid=$1 n=$2 pad i
  pad=$(printf 'x%.0s' $(seq 431))
  printf '['
  for ((i = 0; i < n; i++)); do
    [ $i -gt 0 ] && printf ','
    printf '{"sessionId":"%s","type":"step:completed","timestamp":"2026-11-25T21:04:17.123Z","stepNumber":%d,"action":"code/backend","result":"%s"}' "$sid" $((i % 50)) "$pad"
  done
  printf ']'
}
k() { awk -v v="$1" 'BEGIN { printf (v >= 1000 ? "%.1fk" : "%.0f"), (v >= 1000 ? v / 1000 : v) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

machine="$(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r)"
commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- daemon shared bench 2>/dev/null || echo "+changes")
say "machine: $machine; commit $commit"

# ---------------------------------------------------------------- reference: Redis RPUSH
start_redis
rpush=$(taskset -c 1 redis-benchmark -p "$REDIS_PORT" -t rpush -d 620 -c 50 -n $((SECS * 30000)) -q 2>/dev/null \
        | tr '\r' '\n' | awk '/RPUSH:/ {print $2}' | tail -1)
say "redis-benchmark rpush -d 620 -c 50: $rpush req/s"
redis-cli -p "$REDIS_PORT" flushall >/dev/null

# ---------------------------------------------------------------- HTTP figures
http_rows=""
http_figures() { # LABEL BINARY BACKEND
  local label=$1 bin=$2 backend=$3 post health get
  start_afwd "$bin" "$backend"
  read -r post post_us < <(wrk_run -s bench/post_event.lua "$B")
  read -r health health_us < <(wrk_run "$B/health")
  batch bench-get 1000 > "$tmp/get.json"
  curl -sf -X POST "$B/api/events/batch" -H 'Content-Type: application/json' --data-binary @"$tmp/get.json" >/dev/null
  read -r get get_us < <(wrk_run -s bench/get_events.lua "$B")
  stop_afwd
  say "$label $backend: POST $post/s (${post_us} µs), health $health/s, GET 1000 $get/s"
  http_rows+="| $label | $backend | **$(k "$post")** ($(ratio "$post" "$rpush") of RPUSH) | ${post_us} µs | $(k "$health") | ${health_us} µs | $(k "$get") | ${get_us} µs |"$'\n'
}
for backend in memory redis; do
  http_figures "afwd $commit" "$AFWD" "$backend"
  [ -n "$AFWD_BEFORE" ] && http_figures "before" "$AFWD_BEFORE" "$backend"
  [ "$backend" = redis ] && redis-cli -p "$REDIS_PORT" flushall >/dev/null
done

# ---------------------------------------------------------------- memory per stored event
mem_rows=""
for backend in memory redis; do
  start_afwd "$AFWD" "$backend"
  before=$(rss_kb "$AFWD_PID")
  [ "$backend" = redis ] && rbefore=$(redis-cli -p "$REDIS_PORT" info memory | awk -F: '/^used_memory:/ {print $2+0}')
  n=$([ "$QUICK" = 1 ] && echo 20000 || echo 100000)
  for ((s = 0; s < n / 10000; s++)); do
    batch "mem-$s" 1000 > "$tmp/mem.json"
    for ((i = 0; i < 10; i++)); do
      curl -sf -X POST "$B/api/events/batch" -H 'Content-Type: application/json' --data-binary @"$tmp/mem.json" >/dev/null
    done
  done
  per=$(( ($(rss_kb "$AFWD_PID") - before) * 1024 / n ))
  row="| $backend | afwd RSS $per B/event"
  [ "$backend" = redis ] && row+=", Redis used_memory $(( ($(redis-cli -p "$REDIS_PORT" info memory | awk -F: '/^used_memory:/ {print $2+0}') - rbefore) / n )) B/event"
  mem_rows+="$row | $n events of 620 B via /api/events/batch |"$'\n'
  stop_afwd
  [ "$backend" = redis ] && redis-cli -p "$REDIS_PORT" flushall >/dev/null
done
say "memory: $mem_rows"

# ---------------------------------------------------------------- fan-out
selftest=$(taskset -c 1 "$FANOUT" --self-test | sed -n 's/^RESULT self_test_capacity=//p')
say "afw-fanout self-test: $selftest messages per CPU-second"
fan_rows=""
fanout() { # BACKEND FRAMING CLIENTS RATE
  local backend=$1 framing=$2 clients=$3 rate=$4 out line
  start_afwd "$AFWD" "$backend"
  curl -sf -X POST "$B/api/sessions" -H 'Content-Type: application/json' -d '{"cwd":"/bench","id":"fan-0"}' >/dev/null
  out=$(taskset -c 1 "$FANOUT" --port "$AFWD_PORT" --clients "$clients" --rate "$rate" --duration "$SECS" \
        --framing "$framing" --afwd-pid "$AFWD_PID" || true)
  stop_afwd
  say "$out"
  line=$(grep '^RESULT' <<<"$out")
  local v; v() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  local delivered; delivered=$(v delivered)
  local secs_rate; secs_rate=$(awk -v d="$delivered" -v s="$SECS" 'BEGIN { printf "%.0f", d / s }')
  fan_rows+="| $backend | $framing | $clients × $rate/s | $(v delivered) / $(v expected) | $(v lost) / $(v dup) / $(v order) | $(v p50) | **$(v p99)** | $(v max) | **$(v afwd_us_per_msg) µs** | $(ratio "$secs_rate" "$rpush") | $(v tool_share) |"$'\n'
}
for backend in memory redis; do
  for framing in envelope events; do
    if [ "$QUICK" = 1 ]; then
      fanout "$backend" "$framing" 50 200
    else
      fanout "$backend" "$framing" 200 500
      fanout "$backend" "$framing" 1000 100
    fi
  done
  [ "$backend" = redis ] && redis-cli -p "$REDIS_PORT" flushall >/dev/null
done

# ---------------------------------------------------------------- idle WebSocket clients
idle_rows=""
for backend in memory redis; do
  start_afwd "$AFWD" "$backend" AFW_WS_PING_INTERVAL_MS=5000
  base=$(rss_kb "$AFWD_PID")
  out=$(taskset -c 1 "$FANOUT" --port "$AFWD_PORT" --clients "$IDLE_CLIENTS" --idle-ms 12000 --afwd-pid "$AFWD_PID" || true)
  say "$out"
  rss=$(rss_kb "$AFWD_PID")
  idle_rows+="| $backend | $IDLE_CLIENTS | $(( (rss - base) / 1024 )) MB ($(( (rss - base) * 1024 / IDLE_CLIENTS )) B per client) | $(( rss / 1024 )) MB | $(sed -n 's/.*pings answered \([0-9]*\).*/\1/p' <<<"$out") |"$'\n'
  stop_afwd
done

# ---------------------------------------------------------------- RESULTS.md
notes=""
[ -f "$OUT" ] && notes=$(sed -n '/^<!-- notes -->$/,$p' "$OUT")
{
  cat <<EOF
# Benchmark results

Written by \`bench/run.sh\` (\`make bench\`) on $(date -u +%Y-%m-%d) at $(date -u +%H:%M) UTC.

- Machine: $machine.
- Commit: \`$commit\`; afwd RelWithDebInfo (\`make build\`), Qt $(dpkg-query -W -f='${Version}' libqt6core6 2>/dev/null | cut -d+ -f1), Redis $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p').
- Placement: afwd and its redis-server on CPU 0 (\`taskset -c 0\`); wrk (1 thread, 32 keep-alive
  connections), afw-fanout and redis-benchmark on CPU 1. Runs of ${SECS} s.
- Reference: \`redis-benchmark -t rpush -d 620 -c 50\` against a redis-server placed like afwd:
  **$(k "$rpush") RPUSH/s**. Ratios below are figure ÷ that rate, so that runs on different
  machines compare.

## HTTP (wrk)

"µs" is afwd's CPU time (user + system, from /proc) per request: one core's worth of
requests is 1e6 / µs per second.

| build | backend | POST /api/events | µs | GET /health | µs | GET 1,000 events | µs |
|---|---|---|---|---|---|---|---|
$http_rows
Commands: \`wrk -t1 -c32 -d${SECS}s -s bench/post_event.lua\` (620-byte events over 100 sessions),
\`wrk … /health\`, \`wrk … -s bench/get_events.lua\` (one session's 1,000 stored events).

## Memory per stored event

| backend | figure | how |
|---|---|---|
$mem_rows
## Fan-out (afw-fanout)

Every client subscribed to the one session the producer posts to (620-byte events, four
keep-alive producer connections, events stamped with their send time). Lost / dup /
order: events not delivered, delivered twice, delivered out of seq order (must all be
0). Latency from the producer's send to the subscriber's read, in ms. "µs/msg" is
afwd's CPU per delivered message; "× RPUSH" the delivery rate over the RPUSH rate.

| backend | framing | load | delivered / expected | lost / dup / order | p50 | p99 | max | afwd µs/msg | deliveries × RPUSH | tool CPU |
|---|---|---|---|---|---|---|---|---|---|---|
$fan_rows
Command: \`afw-fanout --port P --clients N --rate R --duration ${SECS} --framing F --afwd-pid PID\`.
The tool must never limit a run: \`afw-fanout --self-test\` (its receive path alone on one core,
fed by a local writer) reads **$(k "$selftest") messages per CPU-second** (≥ 300k required), and
"tool CPU" is its share of its core during each run.

## Idle WebSocket clients

| backend | clients | afwd RSS for them | afwd RSS | pings answered |
|---|---|---|---|---|
$idle_rows
Command: \`AFW_WS_PING_INTERVAL_MS=5000 afwd\`, \`afw-fanout --clients N --idle-ms 12000\` (clients
subscribed, answering pings, held 12 s).

EOF
  if [ -n "$notes" ]; then echo "$notes"; else echo "<!-- notes -->"; fi
} > "$OUT.new"
mv "$OUT.new" "$OUT"
say "wrote $OUT"
