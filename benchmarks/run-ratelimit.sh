#!/usr/bin/env bash
# Measures Otto's rate limiters against their baselines in one run and appends a dated section to
# benchmarks/RESULTS.md:
#   1. builds benchmarks/target/benchmarks.jar (JMH uber-jar);
#   2. raw ceilings of the Redis: redis-benchmark EVALSHA of Otto's own script (-c 16, then -P 16) and PING;
#   3. JMH, with -prof gc: RedisLimiterBenchmark (Otto sync and async vs Bucket4j Lettuce and the bare
#      Lettuce EVALSHA; 1 and 16 threads), LocalLimiterBenchmark (Otto local vs a Caffeine get; 1 and 2
#      threads);
#   4. the ceilings again (the higher of the two is used: the stricter ratio);
#   5. RoundTripCounter: Redis commands per decision on a private redis-server (INFO commandstats);
#      OutageTimer: the fallback limiter's decisions timed while a private redis-server is killed and hung;
#   6. dev.otto.benchmarks.Report: summary table, ratios against shared/TARGETS.md, RESULTS.md section.
#
# Usage: bash benchmarks/run-ratelimit.sh [--full] [--wait-for-quiet] [--no-build] [--no-results]
#   --full            the anchors' settings for the Redis benchmarks (3 × 10 s measured, 2 × 5 s warm-up)
#                     and three JVM forks for the local ones, whose two-thread figures swing by 2x between
#                     forks on a shared 2-core machine (about 30 minutes in all instead of about 9)
#   --wait-for-quiet  first wait (up to 15 minutes, polling every 60 s) until the 1-minute load is ≤ 1.5
#   --no-build        reuse benchmarks/target/benchmarks.jar
#   --no-results      print the section but do not append it to benchmarks/RESULTS.md
# In any case the run waits (up to 30 minutes) while another JMH run on this machine holds /tmp/jmh.lock.
# Environment:
#   OTTO_REDIS_URL    Redis to measure (default redis://127.0.0.1:6379); only this run's keys are written
#                     and they are deleted at the end; the database is never flushed
#   REDIS_JMH_OPTS, LOCAL_JMH_OPTS   override the JMH settings below
#   MVN_ARGS          extra Maven arguments for the build (for example -o)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
JAR="$HERE/target/benchmarks.jar"
SCRIPT="$ROOT/otto-ratelimit/src/main/resources/dev/otto/ratelimit/redis/gcra.lua"

export OTTO_REDIS_URL="${OTTO_REDIS_URL:-redis://127.0.0.1:6379}"
REDIS_URL="$OTTO_REDIS_URL"
# Modest defaults so the whole run stays around 10 minutes on 2 cores. Each score is the median of the
# measured iterations. The 5 s warm-up is not generous: on a busy 2-core machine the JIT needs about 4 s
# before Otto's local decision reaches its steady state (shorter warm-ups measured it 3-5x too slow).
REDIS_JMH_OPTS="${REDIS_JMH_OPTS:--f 1 -wi 1 -w 5s -i 3 -r 4s}"
LOCAL_JMH_OPTS="${LOCAL_JMH_OPTS:--f 1 -wi 1 -w 5s -i 3 -r 2s}"
CEILING_CLIENTS=16
CEILING_REQUESTS=200000
ROUND_TRIP_DECISIONS=9600

BUILD=1
RESULTS=1
WAIT=0
COMMAND="bash benchmarks/run-ratelimit.sh"
for arg in "$@"; do
  case "$arg" in
    --full)
      REDIS_JMH_OPTS="-f 1 -wi 2 -w 5s -i 3 -r 10s"
      LOCAL_JMH_OPTS="-f 3 -wi 1 -w 5s -i 3 -r 2s"
      COMMAND="$COMMAND --full" ;;
    --wait-for-quiet) WAIT=1; COMMAND="$COMMAND --wait-for-quiet" ;;
    --no-build) BUILD=0 ;;
    --no-results) RESULTS=0 ;;
    -h|--help) sed -n '2,24p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $arg (see --help)" >&2; exit 64 ;;
  esac
done

for tool in java redis-cli redis-benchmark sha1sum; do
  command -v "$tool" >/dev/null || { echo "$tool is required but not on PATH" >&2; exit 69; }
done

STARTED_AT=$(date +%s)
RUN_DIR="$HERE/target/ratelimit-run-$(date -u +%Y%m%dT%H%M%SZ)"
PREFIX="otto-bench:ceiling:$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n'):"

cleanup() {
  # Only this run's ceiling key; the JMH benchmarks and the counter delete their own.
  redis-cli -u "$REDIS_URL" --scan --pattern "${PREFIX}*" 2>/dev/null \
    | while read -r key; do redis-cli -u "$REDIS_URL" UNLINK "$key" >/dev/null; done || true
}
trap cleanup EXIT

load() { cut -d' ' -f1-3 /proc/loadavg | sed 's/ /, /g'; }
one_minute_load() { cut -d' ' -f1 /proc/loadavg; }
log() { printf '\n== %s [%s, load %s]\n' "$1" "$(date +%H:%M:%S)" "$(load)"; }

if [[ $BUILD == 1 ]]; then
  log "Building $JAR"
  # Others may be editing the modules under test: a failed compile is retried a minute later (5 times).
  for attempt in 1 2 3 4 5; do
    # shellcheck disable=SC2086 # MVN_ARGS is a list of words
    if (cd "$ROOT" && ./mvnw -B -q ${MVN_ARGS:-} -pl benchmarks -am package -DskipTests); then break; fi
    [[ $attempt == 5 ]] && { echo "the build failed 5 times" >&2; exit 1; }
    echo "build failed; retrying in 60 s ($attempt/5)"
    sleep 60
  done
fi
mkdir -p "$RUN_DIR"
[[ -f $JAR ]] || { echo "$JAR is missing; run without --no-build" >&2; exit 1; }
# Run from a private copy: another build of this module may replace target/benchmarks.jar meanwhile.
cp "$JAR" "$RUN_DIR/benchmarks.jar"
JAR="$RUN_DIR/benchmarks.jar"

redis-cli -u "$REDIS_URL" PING >/dev/null || { echo "no Redis answers at $REDIS_URL" >&2; exit 1; }

LOAD_NOTE=""
if [[ $WAIT == 1 ]]; then
  for attempt in $(seq 1 15); do
    if awk -v l="$(one_minute_load)" 'BEGIN { exit !(l <= 1.5) }'; then break; fi
    echo "1-minute load $(one_minute_load) > 1.5; waiting 60 s ($attempt/15)"
    sleep 60
  done
  if ! awk -v l="$(one_minute_load)" 'BEGIN { exit !(l <= 1.5) }'; then
    LOAD_NOTE="The machine stayed busy (1-minute load above 1.5 after waiting 15 minutes): other builds shared the cores."
  fi
fi

# Someone else's JMH run (it holds /tmp/jmh.lock) would disturb the ceilings as much as our own
# benchmarks: wait until none is running (up to 30 minutes), as JMH itself would.
jmh_lock_free() {
  command -v python3 >/dev/null || return 0
  python3 - <<'PY'
import fcntl, sys
try:
    with open("/tmp/jmh.lock", "a") as f:
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.lockf(f, fcntl.LOCK_UN)
except OSError:
    sys.exit(1)
PY
}
for attempt in $(seq 1 60); do
  jmh_lock_free && break
  echo "another JMH run holds /tmp/jmh.lock; waiting 30 s before measuring ($attempt/60)"
  sleep 30
done

{
  echo "started=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "kernel=$(uname -r)"
  echo "jdk=$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.vm.name/ {n=$2} /java.runtime.version/ {v=$2} END {print n " " v}')"
  echo "redis.version=$(redis-cli -u "$REDIS_URL" INFO server | tr -d '\r' | awk -F: '$1 == "redis_version" {print $2}')"
  echo "redis.url=$(sed -E 's#//[^@/]*@#//***@#' <<<"$REDIS_URL")"
  echo "load.before=$(load)"
  echo "command=$COMMAND"
  echo "settings=Redis JMH \`$REDIS_JMH_OPTS\`, local JMH \`$LOCAL_JMH_OPTS\`, both with \`-prof gc\`; ceilings \`redis-benchmark -c $CEILING_CLIENTS -n $CEILING_REQUESTS\`; round trips over $ROUND_TRIP_DECISIONS decisions per scenario."
} >"$RUN_DIR/machine.properties"

# Otto's script, loaded under the SHA-1 Otto computes over the same bytes.
SHA=$(redis-cli -u "$REDIS_URL" -x SCRIPT LOAD <"$SCRIPT" | tr -d '\r')
[[ $SHA == "$(sha1sum "$SCRIPT" | cut -d' ' -f1)" ]] || { echo "SCRIPT LOAD returned $SHA, not the script's SHA-1" >&2; exit 1; }
# A decision's key and arguments, as RedisRateLimiter sends them for 1,000,000/s with a burst of 1,000,000:
# KEYS[1] = <prefix>{bench:<key>}:<quota>:<period µs>; ARGV = permits, T µs, τ µs.
KEY="${PREFIX}{bench:user-0}:1000000:1000000"

ceilings() {
  local phase=$1
  log "redis-benchmark ceilings ($phase)"
  redis-benchmark -u "$REDIS_URL" -c $CEILING_CLIENTS -n $CEILING_REQUESTS --csv \
    evalsha "$SHA" 1 "$KEY" 1 1 1000000 | tee "$RUN_DIR/ceiling-$phase-evalsha.csv"
  redis-benchmark -u "$REDIS_URL" -c $CEILING_CLIENTS -n $CEILING_REQUESTS -P 16 --csv \
    evalsha "$SHA" 1 "$KEY" 1 1 1000000 | tee "$RUN_DIR/ceiling-$phase-evalsha-p16.csv"
  redis-benchmark -u "$REDIS_URL" -c $CEILING_CLIENTS -n $CEILING_REQUESTS --csv \
    ping | tee "$RUN_DIR/ceiling-$phase-ping.csv"
}

jmh() {
  local name=$1 benchmark=$2 threads=$3 opts=$4
  local out="$RUN_DIR/jmh-$name-t$threads"
  local attempt status
  log "JMH $benchmark, $threads thread(s)"
  for attempt in $(seq 1 40); do
    # Full output in the .log file; progress and the result table on the console.
    set +e
    # shellcheck disable=SC2086 # the options are a list of words
    java -jar "$JAR" "$benchmark" -t "$threads" $opts -prof gc -foe true -rf json -rff "$out.json" 2>&1 \
      | tee "$out.log" \
      | grep --line-buffered -E '^(# Parameters:|# Benchmark:|Iteration |Benchmark |[A-Za-z]+Benchmark\.[A-Za-z0-9]+ )'
    status=${PIPESTATUS[0]}
    set -e
    # JMH refuses to run while another JMH holds /tmp/jmh.lock (someone else measuring on this machine):
    # wait for it rather than measure both at once.
    if [[ $status != 0 ]] && grep -q 'Unable to acquire the JMH lock' "$out.log"; then
      echo "another JMH run holds /tmp/jmh.lock; waiting 30 s ($attempt/40)"
      sleep 30
      continue
    fi
    break
  done
  [[ $status == 0 ]] || { echo "JMH failed (exit $status); see $out.log" >&2; exit 1; }
}

ceilings before
jmh redis RedisLimiterBenchmark 1 "$REDIS_JMH_OPTS"
jmh redis RedisLimiterBenchmark 16 "$REDIS_JMH_OPTS"
ceilings after
jmh local LocalLimiterBenchmark 1 "$LOCAL_JMH_OPTS"
jmh local LocalLimiterBenchmark 2 "$LOCAL_JMH_OPTS"

log "Redis commands per decision (private redis-server)"
# A failure here (Otto needing more than one command per decision) is recorded by the report, not hidden.
java -cp "$JAR" dev.otto.benchmarks.ratelimit.RoundTripCounter --decisions $ROUND_TRIP_DECISIONS \
  --json "$RUN_DIR/roundtrips.json" || echo "RoundTripCounter reported a failure (see above)" >&2

log "Fallback limiter while Redis is killed and hung (private redis-server)"
java -cp "$JAR" dev.otto.benchmarks.ratelimit.OutageTimer --json "$RUN_DIR/outage.json" \
  || echo "OutageTimer reported a failure (see above)" >&2

echo "load.after=$(load)" >>"$RUN_DIR/machine.properties"
echo "load.note=$LOAD_NOTE" >>"$RUN_DIR/machine.properties"

log "Report (run directory $RUN_DIR, $(( ($(date +%s) - STARTED_AT) / 60 )) min so far)"
REPORT_ARGS=(--run-dir "$RUN_DIR" --section ratelimit)
[[ $RESULTS == 1 ]] && REPORT_ARGS+=(--results "$HERE/RESULTS.md")
status=0
java -cp "$JAR" dev.otto.benchmarks.Report "${REPORT_ARGS[@]}" || status=$?
if [[ $status == 2 ]]; then
  echo "Some targets were missed; the figures are recorded as measured." >&2
elif [[ $status != 0 ]]; then
  exit $status
fi
exit 0
