#!/usr/bin/env bash
# Runs every scenario the issue sets a target for, RUNS times, each against a fresh Redis-mode all-in-one server on
# this machine, then prints where each target stands (`pushline-bench targets`: medians over the runs). Right after
# each push scenario the same command runs against the seed's design (bench/seed/push.php, one PHP process), so the
# table also says how Pushline compares with the server it replaces, on the same machine at the same time.
#
#   bench/targets.sh [RUNS] [OUT_DIR]          (defaults: 3, bench/target/targets-<date>)
#   REDIS_SOCKET=/tmp/pushline-redis.sock bench/targets.sh ...   the server reaches Redis over that unix socket
#                                                                (redis-socket://), and the ceiling is measured over it
#   SEED=0 bench/targets.sh ...                                  without the seed's runs
#   PUSHLINE_TRANSPORT=io_uring bench/targets.sh ...             the server on io_uring (docs/configuration.md)
#
# Needs: the built jars (./mvnw -q package -DskipTests), redis-server and redis-benchmark on PATH, php for the seed
# (Debian: php-cli), about 20 minutes for 3 runs. Beside the targets it measures a connection per push, as the seed's
# PHP snippet pushes, which no target covers. The throughput runs also read Redis's CPU (--redis-pid), so that the
# table says what a push cost the server, Redis, the generator and the machine, and how many cores each target's rate
# takes at that cost. Starts its own redis-server on $REDIS_PORT (6390) and stops everything it started. Every command it
# runs is written to OUT_DIR/commands.txt, every JSON line to OUT_DIR/results.jsonl, each server's log beside them.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-3}
OUT=${2:-bench/target/targets-$(date -u +%Y%m%dT%H%M%SZ)}
REDIS_PORT=${REDIS_PORT:-6390}
REDIS_SOCKET=${REDIS_SOCKET:-}
WS_PORT=${WS_PORT:-21234}
INGEST_PORT=${INGEST_PORT:-25678}
SEED=${SEED:-1}
SERVER_JAR=all/target/pushline-all.jar
BENCH="java -jar bench/target/pushline-bench.jar"
# The generator of the push scenarios: a large young generation, so that it does not collect during a run.
BENCH_PUSH="java -Xms1g -Xmx1g -Xmn768m -XX:+UseParallelGC -jar bench/target/pushline-bench.jar"
WS=ws://127.0.0.1:$WS_PORT/
INGEST=127.0.0.1:$INGEST_PORT

for f in "$SERVER_JAR" bench/target/pushline-bench.jar; do
  [ -f "$f" ] || { echo "targets: $f is missing; build first: ./mvnw -q package -DskipTests" >&2; exit 1; }
done
for c in redis-server redis-cli redis-benchmark; do
  command -v "$c" >/dev/null || { echo "targets: $c is not on PATH (Debian: apt-get install redis-server redis-tools)" >&2; exit 1; }
done
if [ "$SEED" = 1 ] && ! command -v php >/dev/null; then
  echo "targets: php is not on PATH, so the seed is not measured (Debian: apt-get install php-cli; SEED=0 says so)" >&2
  SEED=0
fi
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
SEED_RESULTS=$OUT/seed.jsonl
# a run into an OUT_DIR used before starts its files afresh
: > "$RESULTS"
: > "$SEED_RESULTS"
: > "$OUT/commands.txt"

SERVER_PID=""
REDIS_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null && wait "$REDIS_PID" 2>/dev/null || true
}
trap cleanup EXIT

# A Redis of its own, so that its settings are known: refuse a port something else answers on.
if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "targets: something already answers on port $REDIS_PORT; stop it or set REDIS_PORT" >&2
  exit 1
fi
if [ -n "$REDIS_SOCKET" ]; then
  REDIS_URL=redis-socket://$REDIS_SOCKET
  CEILING=$REDIS_SOCKET
  REDIS_ARGS=(--unixsocket "$REDIS_SOCKET" --unixsocketperm 700)
else
  REDIS_URL=redis://127.0.0.1:$REDIS_PORT
  CEILING=127.0.0.1:$REDIS_PORT
  REDIS_ARGS=()
fi
redis-server --port "$REDIS_PORT" "${REDIS_ARGS[@]}" --save '' --appendonly no > "$OUT/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
if ! kill -0 "$REDIS_PID" 2>/dev/null || ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  echo "targets: redis-server did not start on port $REDIS_PORT (see $OUT/redis.log)" >&2
  exit 1
fi

# await_start LOG TEXT WHAT: returns once the server started last writes TEXT to LOG; exits if it ends first.
await_start() {
  local log=$1 text=$2 what=$3
  for _ in $(seq 150); do
    grep -q "$text" "$log" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "targets: $what did not start (see $log)" >&2
  exit 1
}

# start_server LOG [JVM options...]: a fresh Redis-mode server; returns once its ingest listens.
start_server() {
  local log=$1; shift
  redis-cli -p "$REDIS_PORT" flushall >/dev/null
  # A 5 s Redis timeout: a cold JVM on two shared cores can fall half a second behind in its first seconds, and the
  # lines of that moment would fail and open the circuit during the warm-up (docs/benchmarks.md, third pass).
  PUSHLINE_REDIS_URL=$REDIS_URL PUSHLINE_REDIS_TIMEOUT=5s \
    java "$@" -jar "$SERVER_JAR" --ws-port "$WS_PORT" --ingest-port "$INGEST_PORT" --admin-port -1 > "$log" 2>&1 &
  SERVER_PID=$!
  await_start "$log" 'listening for lines' "the server"
}

# start_seed LOG: the seed's design (one PHP process) on the same ports; returns once it listens.
start_seed() {
  php bench/seed/push.php --host 127.0.0.1 --ws-port "$WS_PORT" --text-port "$INGEST_PORT" > "$1" 2>&1 &
  SERVER_PID=$!
  await_start "$1" 'lines on' "the seed"
}

stop_server() {
  kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# measure NAME FILE -- GENERATOR COMMAND...: the generator against the server started last, then stops that server;
# the generator's JSON lines go to FILE.
measure() {
  local name=$1 file=$2; shift 3
  "$@" --server-pid "$SERVER_PID" --json-only 2> "$OUT/generator-$name.err" | grep '^{' >> "$file" \
    || echo "[targets] $name printed no result (see $OUT/generator-$name.err)" >&2
  stop_server
}

# run NAME RUN SERVER_OPTIONS -- GENERATOR COMMAND...: one scenario against a fresh server; its JSON lines to RESULTS.
run() {
  local name=$1 run=$2 opts=$3; shift 4
  echo "[targets] run $run of $RUNS: $name" >&2
  echo "run $run $name: server java $opts -jar $SERVER_JAR (PUSHLINE_REDIS_URL=$REDIS_URL PUSHLINE_REDIS_TIMEOUT=5s PUSHLINE_TRANSPORT=${PUSHLINE_TRANSPORT:-auto}); $* --server-pid \$PID --json-only" >> "$OUT/commands.txt"
  # shellcheck disable=SC2086 # the options are words
  start_server "$OUT/server-$name-$run.log" $opts
  measure "$name-$run" "$RESULTS" -- "$@"
}

# run_seed NAME RUN -- GENERATOR COMMAND...: the same scenario against the seed; its JSON lines to SEED_RESULTS.
run_seed() {
  local name=$1 run=$2; shift 3
  [ "$SEED" = 1 ] || return 0
  echo "[targets] run $run of $RUNS: $name against the seed" >&2
  echo "run $run $name: seed php bench/seed/push.php; $* --server-pid \$PID --json-only" >> "$OUT/commands.txt"
  start_seed "$OUT/seed-$name-$run.log"
  measure "seed-$name-$run" "$SEED_RESULTS" -- "$@"
}

SOURCES=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8
for i in $(seq "$RUNS"); do
  run closed-loop "$i" "" -- $BENCH_PUSH throughput --ws "$WS" --ingest "$INGEST" --clients 1000 --pushers 16 --window 1 \
    --duration 10s --warmup 10s --ceiling-redis "$CEILING" --redis-pid "$REDIS_PID"
  run_seed closed-loop "$i" -- $BENCH_PUSH throughput --ws "$WS" --ingest "$INGEST" --clients 1000 --pushers 16 \
    --window 1 --duration 10s --warmup 10s
  run pipelined "$i" "" -- $BENCH_PUSH throughput --ws "$WS" --ingest "$INGEST" --clients 1000 --pushers 4 --window 64 \
    --duration 10s --warmup 10s --redis-pid "$REDIS_PID"
  run_seed pipelined "$i" -- $BENCH_PUSH throughput --ws "$WS" --ingest "$INGEST" --clients 1000 --pushers 4 \
    --window 64 --duration 10s --warmup 10s
  # Beside the targets, none set: pushes as the seed's PHP snippet makes them, a connection each (eighteenth pass).
  run connect-per-push "$i" "" -- $BENCH_PUSH throughput --ws "$WS" --ingest "$INGEST" --clients 1000 --pushers 16 \
    --connect-per-push --pusher-threads 2 --duration 10s --warmup 10s --redis-pid "$REDIS_PID"
  run_seed connect-per-push "$i" -- $BENCH_PUSH throughput --ws "$WS" --ingest "$INGEST" --clients 1000 \
    --pushers 16 --connect-per-push --pusher-threads 2 --duration 10s --warmup 10s
  run open-loop "$i" "" -- $BENCH_PUSH latency --ws "$WS" --ingest "$INGEST" --rate 5000 --clients 100 --pushers 4 \
    --duration 10s --warmup 10s
  run_seed open-loop "$i" -- $BENCH_PUSH latency --ws "$WS" --ingest "$INGEST" --rate 5000 --clients 100 --pushers 4 \
    --duration 10s --warmup 10s
  run broadcast "$i" "" -- $BENCH broadcast --ws "$WS" --ingest "$INGEST" --clients 10000 --repeat 40 \
    --client-threads 2 --floor
  # The memory target's set-up (docs/operations.md): a small heap and the serial collector for many idle pages.
  run connections "$i" "-Xmx96m -XX:+UseSerialGC" -- $BENCH connections --ws "$WS" --count 19000 --hold 3s \
    --source-addresses "$SOURCES" --client-threads 2 --storms 5 --between 6s --server-heap
done

# A KVM guest's idle vCPU may poll before it halts; whether it does halves the open loop's median here
# (docs/benchmarks.md, fourteenth pass), so the machine line says.
HALT_POLL=/sys/module/haltpoll/parameters/guest_halt_poll_ns
HALT_POLL_TEXT=$([ -r "$HALT_POLL" ] && echo "guest halt-polling $(cat "$HALT_POLL") ns" || echo "no guest halt-polling driver")
SEED_TEXT=$([ "$SEED" = 1 ] && echo "; the seed: $(php -r 'echo "PHP ", PHP_VERSION;')" || echo "")
echo "machine: $(nproc) cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), $HALT_POLL_TEXT; $(java -version 2>&1 | head -1); $(redis-server --version | cut -d' ' -f1-3) at $REDIS_URL; server transport ${PUSHLINE_TRANSPORT:-auto}; commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$SEED_TEXT; $(date -u +%FT%TZ)" | tee "$OUT/machine.txt"
SEED_ARGS=()
[ "$SEED" = 1 ] && SEED_ARGS=(--seed "$SEED_RESULTS")
$BENCH targets --min-runs "$RUNS" "${SEED_ARGS[@]}" "$RESULTS" | tee "$OUT/targets.md"
