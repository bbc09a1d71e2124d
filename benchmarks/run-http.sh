#!/usr/bin/env bash
# HTTP load benchmarks of the demo (examples/otto-demo) under wrk on loopback, measured against their
# baselines in the same run; appends a dated section to benchmarks/RESULTS.md:
#   1. Filter overhead (issue 8; target ≥ 0.90× throughput, p95 < 200 ms): all five Otto components on (the
#      default) against all off, 3 repetitions alternating on, off, on, off, on, off, each in a fresh JVM;
#      per instance `wrk -t2 -c32 -d15s --latency` after a 45 s warm-up (the all-on JVM was still compiling
#      after 10 s and reached its steady rate only after 30-45 s of load) on
#        a. GET /api/payments/count (passes every filter, no rule matches) and
#        b. GET /api/greeting with a new X-Api-Key on every request (http/greeting.lua), the policy's quota
#           raised in both variants so that nothing is rejected: every request is a real limiter decision.
#   2. Idempotency added latency per store (issue 5): POST /api/payments with a JSON body, idempotency off
#      (baseline) and the memory, Redis and PostgreSQL (JDBC) stores; scenarios "new" (a new Idempotency-Key
#      per request, http/payment-new.lua) and "replay" (one key and body, http/payment-replay.lua);
#      `wrk -t2 -c16 -d10s --latency` after a warm-up (10 s new, 5 s replay, same key as the measured replay).
#   3. HttpReport (plain JDK, source-file mode) writes the section: machine, medians and spreads, ratios,
#      PASS/FAIL. The section is printed, and appended to benchmarks/RESULTS.md unless --no-results.
# Every JVM: java -Xms256m -Xmx256m -XX:+UseParallelGC -jar otto-demo.jar --server.port=<free port>, started
# from a copy of the jar, waited for (GET /health = 200) and stopped by its pid. About 18 minutes of load on
# 2 cores, plus the build and, while the 1-minute load is above 2.0, up to 5 minutes of waiting (then it measures anyway).
#
# Usage: bash benchmarks/run-http.sh [--no-build] [--no-results] [--only overhead|idempotency] [--smoke]
#   --no-build     reuse examples/otto-demo/target/otto-demo.jar instead of building it (Maven, offline)
#   --no-results   print the section but do not append it to benchmarks/RESULTS.md
#   --only PART    run only the filter overhead or only the idempotency benchmark
#   --smoke        check the harness itself in about 3 minutes: 1 repetition, 3 s runs after 2 s warm-ups,
#                  no waiting for a quiet machine; implies --no-results (the figures mean nothing)
# Environment:
#   OTTO_REDIS_URL   Redis for the Redis store (default redis://127.0.0.1:6379); only keys under this run's
#                    prefix otto:bench:<random>: are written, and they are deleted at the end
#   PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD
#                    PostgreSQL for the JDBC store (default 127.0.0.1, 5432, test, postgres); the run uses
#                    the table otto_idem_bench and drops it at the end
#   MVN_ARGS         extra Maven arguments for the build (default -o)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
LUA="$HERE/http"
REPORT_SRC="$HERE/src/main/java/dev/otto/benchmarks/http/HttpReport.java"
DEMO_JAR="$ROOT/examples/otto-demo/target/otto-demo.jar"

JVM_OPTS=(-Xms256m -Xmx256m -XX:+UseParallelGC)
OVERHEAD_WRK=(-t2 -c32 --latency)
OVERHEAD_SECONDS=15
OVERHEAD_WARMUP=45
REPETITIONS=3
IDEM_WRK=(-t2 -c16 --latency)
IDEM_SECONDS=10
IDEM_WARMUP_NEW=10
IDEM_WARMUP_REPLAY=5
# Quota raised for the greeting policy in both variants (harmless when the rate limiter is off). Otto allows
# at most one permit per microsecond of the period (10,000,000 per 10 s), and a command-line limits[0] replaces
# the whole list, so the period is given again.
GREETING_OVERRIDE=(--otto.ratelimit.policies.greeting.limits[0].quota=10000000
  --otto.ratelimit.policies.greeting.limits[0].period=10s)
ALL_OFF=(OTTO_RATELIMIT_ENABLED=false OTTO_IDEMPOTENCY_ENABLED=false OTTO_PROBLEM_ENABLED=false
  OTTO_TRACE_ENABLED=false OTTO_HEALTH_ENABLED=false)
START_TIMEOUT=180
LOAD_LIMIT=2.0

REDIS_URL="${OTTO_REDIS_URL:-redis://127.0.0.1:6379}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGDATABASE="${PGDATABASE:-test}" PGUSER="${PGUSER:-postgres}"
JDBC_URL="jdbc:postgresql://$PGHOST:$PGPORT/$PGDATABASE"
IDEM_TABLE=otto_idem_bench

BUILD=1
RESULTS=1
SMOKE=0
ONLY=all
COMMAND="bash benchmarks/run-http.sh"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0; COMMAND="$COMMAND --no-build" ;;
    --no-results) RESULTS=0 ;;
    --smoke) SMOKE=1; RESULTS=0 ;;
    --only) shift; ONLY="${1:-}"; COMMAND="$COMMAND --only $ONLY"
      [[ $ONLY == overhead || $ONLY == idempotency ]] || { echo "--only overhead|idempotency" >&2; exit 64; } ;;
    -h|--help) sed -n '2,32p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
if [[ $SMOKE == 1 ]]; then
  REPETITIONS=1; OVERHEAD_SECONDS=3; OVERHEAD_WARMUP=2; IDEM_SECONDS=3; IDEM_WARMUP_NEW=2; IDEM_WARMUP_REPLAY=2
  LOAD_LIMIT=1000; COMMAND="$COMMAND --smoke"
fi
RUN_OVERHEAD=$([[ $ONLY != idempotency ]] && echo 1 || echo 0)
RUN_IDEM=$([[ $ONLY != overhead ]] && echo 1 || echo 0)

for tool in java wrk curl ss; do
  command -v "$tool" >/dev/null || { echo "$tool is required but not on PATH" >&2; exit 69; }
done
if [[ $RUN_IDEM == 1 ]]; then
  for tool in redis-cli psql; do
    command -v "$tool" >/dev/null || { echo "$tool is required but not on PATH" >&2; exit 69; }
  done
fi

STARTED_AT=$(date +%s)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RUN_DIR="$HERE/target/http-run-$STAMP"
mkdir -p "$RUN_DIR/logs"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/otto-http-bench.XXXXXX")
NONCE=$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')
REDIS_PREFIX="otto:bench:$NONCE:"
APP_PID=""
PORT=""
PROPS="$RUN_DIR/machine.properties"

load() { cut -d' ' -f1-3 /proc/loadavg | sed 's/ /, /g'; }
one_minute_load() { cut -d' ' -f1 /proc/loadavg; }
log() { printf '\n== %s [%s, load %s]\n' "$1" "$(date +%H:%M:%S)" "$(load)"; }
prop() { printf '%s=%s\n' "$1" "$2" >>"$PROPS"; }

stop_app() {
  [[ -n $APP_PID ]] || return 0
  if kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$APP_PID" 2>/dev/null && kill -9 "$APP_PID" 2>/dev/null || true
  fi
  wait "$APP_PID" 2>/dev/null || true
  APP_PID=""
}

redis_keys() { redis-cli -u "$REDIS_URL" --scan --pattern "${REDIS_PREFIX}*" 2>/dev/null || true; }

cleanup_stores() {
  if [[ $RUN_IDEM == 1 ]]; then
    # Only this run's keys (SCAN of the prefix, UNLINK in batches) and this benchmark's table.
    redis_keys | xargs -r -d '\n' -n 500 redis-cli -u "$REDIS_URL" UNLINK >/dev/null 2>&1 || true
    psql -q -X -v ON_ERROR_STOP=1 -c "DROP TABLE IF EXISTS $IDEM_TABLE" >/dev/null 2>&1 || true
  fi
}

on_exit() {
  local status=$?
  stop_app
  cleanup_stores
  rm -rf "$WORK"
  exit $status
}
trap on_exit EXIT
trap 'exit 130' INT TERM

free_port() {
  local p
  for _ in $(seq 1 100); do
    p=$(( 20000 + RANDOM % 30000 ))
    if [[ -z $(ss -Htln "sport = :$p") ]]; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2; return 1
}

# start_app NAME READY_PATH [VAR=value ...] -- [application arguments ...]
# Starts the demo in the background (APP_PID, PORT) and waits until READY_PATH answers 200.
# Returns 1 (and prints the failure analysis) when the JVM exits first.
start_app() {
  local name=$1 ready=$2; shift 2
  local -a envs=()
  while [[ $# -gt 0 && $1 != -- ]]; do envs+=("$1"); shift; done
  [[ $# -gt 0 ]] && shift
  PORT=$(free_port)
  local t0; t0=$(date +%s.%N)
  env ${envs[@]+"${envs[@]}"} java "${JVM_OPTS[@]}" -jar "$WORK/otto-demo.jar" --server.port="$PORT" "$@" \
    >"$RUN_DIR/logs/$name.log" 2>&1 &
  APP_PID=$!
  local deadline=$(( $(date +%s) + START_TIMEOUT )) code
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT$ready" || true)
    [[ $code == 200 ]] && break
    if ! kill -0 "$APP_PID" 2>/dev/null; then
      wait "$APP_PID" 2>/dev/null || true
      APP_PID=""
      echo "$name exited before $ready answered 200:" >&2
      grep -A4 -E '^(Description|Caused by):' "$RUN_DIR/logs/$name.log" | head -12 >&2 || true
      return 1
    fi
    if (( $(date +%s) > deadline )); then
      echo "$name: $ready did not answer 200 within $START_TIMEOUT s (see $RUN_DIR/logs/$name.log)" >&2
      stop_app; exit 1
    fi
    sleep 0.5
  done
  STARTUP_SECONDS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  echo "$name: pid $APP_PID on port $PORT, ready in $STARTUP_SECONDS s"
}

components() { curl -s --max-time 5 "http://127.0.0.1:$PORT/actuator/otto" | tr -d '\n\t' || true; }

record_instance() { # NAME VARIANT
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$STARTUP_SECONDS" "$(components)" >>"$RUN_DIR/instances.tsv"
}

snapshot() {
  curl -s --max-time 10 "http://127.0.0.1:$PORT/actuator/prometheus" \
    | grep -E '^(http_server_requests_seconds_count|otto_ratelimit_decisions_total|otto_idempotency_requests_total)' \
    >"$1" || true
}

# measure PART GROUP VARIANT REP INSTANCE WARMUP_S SECONDS SCRIPT PATH WARMUP_NONCE NONCE WRK_OPTS...
measure() {
  local part=$1 group=$2 variant=$3 rep=$4 instance=$5 warmup=$6 seconds=$7 script=$8 path=$9
  local warm_nonce=${10} nonce=${11}; shift 11
  local name="$part-$group-$variant-$rep" url="http://127.0.0.1:$PORT$path"
  echo "  $group/$variant: warm-up ${warmup}s, then ${seconds}s measured"
  wrk "$@" -d"${warmup}s" -s "$LUA/$script" "$url" -- "$warm_nonce" >"$RUN_DIR/$name.warmup.wrk" 2>&1
  snapshot "$RUN_DIR/$name.before.prom"
  local l; l=$(one_minute_load)
  wrk "$@" -d"${seconds}s" -s "$LUA/$script" "$url" -- "$nonce" >"$RUN_DIR/$name.wrk" 2>&1
  snapshot "$RUN_DIR/$name.after.prom"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$part" "$group" "$variant" "$rep" "$name" "$l" "$instance" >>"$RUN_DIR/runs.tsv"
  grep -E 'Requests/sec|Non-2xx|Socket errors' "$RUN_DIR/$name.wrk" | sed 's/^/    /' || true
  { grep -oE 'p(50|95|99)_us=[0-9]+' "$RUN_DIR/$name.wrk" || true; } | tr '\n' ' ' | sed 's/^/    /'; echo
}

# ------------------------------------------------------------------------------------------------- build

if [[ $BUILD == 1 ]]; then
  log "Building $DEMO_JAR"
  # Removed first: when only the libraries changed, the jar plugin finds the demo's own jar up to date and
  # Spring Boot's repackage keeps the old one, with the old libraries inside.
  rm -f "$DEMO_JAR" "$DEMO_JAR.original"
  (cd "$ROOT" && ./mvnw -B -q ${MVN_ARGS:--o} -pl examples/otto-demo -am package -DskipTests)
  JAR_ORIGIN="built by this run"
else
  JAR_ORIGIN="reused (--no-build)"
fi
[[ -f $DEMO_JAR ]] || { echo "$DEMO_JAR is missing; run without --no-build" >&2; exit 1; }
# A private copy, so a concurrent build or clean cannot change the jar between variants.
cp "$DEMO_JAR" "$WORK/otto-demo.jar"
JAR_INFO="$JAR_ORIGIN, $(date -u -r "$DEMO_JAR" '+%Y-%m-%d %H:%M UTC'), sha256 $(sha256sum "$WORK/otto-demo.jar" | cut -c1-12)"

if [[ $RUN_IDEM == 1 ]]; then
  redis-cli -u "$REDIS_URL" PING >/dev/null || { echo "no Redis answers at $REDIS_URL" >&2; exit 1; }
  psql -q -X -v ON_ERROR_STOP=1 -c "DROP TABLE IF EXISTS $IDEM_TABLE" >/dev/null \
    || { echo "PostgreSQL at $JDBC_URL is not usable (psql failed)" >&2; exit 1; }
fi

# ------------------------------------------------------------------------------------------------- quiet?

LOAD_BEFORE=$(load)
LOAD_NOTE=""
if ! awk -v l="$(one_minute_load)" -v m="$LOAD_LIMIT" 'BEGIN { exit !(l <= m) }'; then
  for attempt in $(seq 1 10); do
    echo "1-minute load $(one_minute_load) > $LOAD_LIMIT; waiting 30 s ($attempt/10)"
    sleep 30
    if awk -v l="$(one_minute_load)" -v m="$LOAD_LIMIT" 'BEGIN { exit !(l <= m) }'; then break; fi
  done
  if awk -v l="$(one_minute_load)" -v m="$LOAD_LIMIT" 'BEGIN { exit !(l <= m) }'; then
    LOAD_NOTE="The 1-minute load was above $LOAD_LIMIT at first ($LOAD_BEFORE); the run waited until it fell to $(one_minute_load)."
  else
    LOAD_NOTE="**The machine stayed busy**: the 1-minute load was above $LOAD_LIMIT ($LOAD_BEFORE) and still $(one_minute_load) after waiting 5 minutes; measured anyway (other processes shared the 2 cores, so absolute figures are low and noisy; the alternating on/off runs keep the ratios comparable)."
  fi
  LOAD_BEFORE="$LOAD_BEFORE (at the start), $(load) (when measuring began)"
fi

{
  echo "started=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc=$(nproc)"
  echo "kernel=$(uname -r)"
  echo "java=$(java -version 2>&1 | sed -n '1p;3p' | paste -sd ';' | sed 's/;/; /')"
  echo "wrk=$( (wrk -v 2>&1 || true) | head -1 | sed -E 's/ +Copyright.*//')"
  echo "redis.version=$(redis-cli -u "$REDIS_URL" INFO server 2>/dev/null | tr -d '\r' | awk -F: '$1 == "redis_version" {print $2}' || true)"
  echo "redis.url=$(sed -E 's#//[^@/]*@#//***@#' <<<"$REDIS_URL")"
  echo "postgres.version=$(psql -X -At -c 'SHOW server_version' 2>/dev/null || echo '?')"
  echo "jdbc.url=$JDBC_URL"
  echo "load.before=$LOAD_BEFORE"
  echo "load.note=$LOAD_NOTE"
  echo "command=$COMMAND"
  echo "jar=$JAR_INFO"
  echo "jvm=java ${JVM_OPTS[*]} -jar otto-demo.jar --server.port=<free port>"
  echo "idem.connections=16"
  echo "settings=overhead \`wrk ${OVERHEAD_WRK[*]} -d${OVERHEAD_SECONDS}s\` after a ${OVERHEAD_WARMUP} s warm-up with the same script, per endpoint and instance, $REPETITIONS repetitions alternating on/off (a fresh JVM each); greeting policy overridden in both variants with \`${GREETING_OVERRIDE[*]}\`; idempotency \`wrk ${IDEM_WRK[*]} -d${IDEM_SECONDS}s\` after a ${IDEM_WARMUP_NEW} s (new) / ${IDEM_WARMUP_REPLAY} s (replay) warm-up, one instance per store, Redis key prefix \`$REDIS_PREFIX\`, table \`$IDEM_TABLE\`."
} >"$PROPS"
: >"$RUN_DIR/runs.tsv"
: >"$RUN_DIR/instances.tsv"

# ------------------------------------------------------------------------------------------ 1. overhead

OFF_AT_RUNTIME=""   # set when the documented start-up flags cannot start the demo (see below)

start_off() { # NAME
  local name=$1
  if [[ -z $OFF_AT_RUNTIME ]]; then
    if start_app "$name" /api/payments/count "${ALL_OFF[@]}" -- "${GREETING_OVERRIDE[@]}"; then
      OFF_AT_RUNTIME=no
      return 0
    fi
    # The documented way failed. Measure "off" as close to it as the demo allows: four components off at
    # start, health switched off at run time (POST /actuator/otto/health), and say so in the section.
    OFF_AT_RUNTIME=yes
    local reason
    reason=$(grep -A2 '^Description:' "$RUN_DIR/logs/$name.log" | sed -n '3p' | sed 's/[`|]//g' || true)
    prop note.off "**All off is not startable as documented**: with \`OTTO_HEALTH_ENABLED=false\` the demo exits at start (${reason:-see logs/$name.log}). The \"all off\" variant therefore starts with the other four components off (\`OTTO_RATELIMIT_ENABLED\`, \`OTTO_IDEMPOTENCY_ENABLED\`, \`OTTO_PROBLEM_ENABLED\`, \`OTTO_TRACE_ENABLED\` = false) and switches health off at run time (\`POST /actuator/otto/health {\"enabled\":false}\`) before the warm-up: its filter stays registered but passes every request through, so \"off\" is marginally slower than a true off and the on ÷ off ratio is marginally flattered."
    name="$name-retry"
  fi
  if [[ $OFF_AT_RUNTIME == yes ]]; then
    start_app "$name" /health "${ALL_OFF[@]:0:4}" -- "${GREETING_OVERRIDE[@]}" || exit 1
    curl -s --max-time 5 -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"enabled":false}' \
      "http://127.0.0.1:$PORT/actuator/otto/health"
  else
    start_app "$name" /api/payments/count "${ALL_OFF[@]}" -- "${GREETING_OVERRIDE[@]}" || exit 1
  fi
}

if [[ $RUN_OVERHEAD == 1 ]]; then
  for rep in $(seq 1 "$REPETITIONS"); do
    for variant in on off; do
      instance="overhead-$variant-$rep"
      log "Filter overhead, repetition $rep/$REPETITIONS, all $variant"
      if [[ $variant == on ]]; then
        start_app "$instance" /health -- "${GREETING_OVERRIDE[@]}" || exit 1
      else
        start_off "$instance"
      fi
      record_instance "$instance" "$variant"
      measure overhead count "$variant" "$rep" "$instance" "$OVERHEAD_WARMUP" "$OVERHEAD_SECONDS" plain.lua \
        /api/payments/count - - "${OVERHEAD_WRK[@]}"
      measure overhead greeting "$variant" "$rep" "$instance" "$OVERHEAD_WARMUP" "$OVERHEAD_SECONDS" greeting.lua \
        /api/greeting "$NONCE-w$rep$variant" "$NONCE-m$rep$variant" "${OVERHEAD_WRK[@]}"
      stop_app
    done
  done
fi

# --------------------------------------------------------------------------------------- 2. idempotency

if [[ $RUN_IDEM == 1 ]]; then
  for store in baseline memory redis jdbc; do
    instance="idem-$store"
    log "Idempotency, $store"
    case $store in
      baseline) start_app "$instance" /health OTTO_IDEMPOTENCY_ENABLED=false -- || exit 1 ;;
      memory) start_app "$instance" /health OTTO_IDEMPOTENCY_STORE=memory -- || exit 1 ;;
      redis) start_app "$instance" /health OTTO_IDEMPOTENCY_STORE=redis OTTO_REDIS_URL="$REDIS_URL" -- \
          --otto.idempotency.redis.key-prefix="$REDIS_PREFIX" || exit 1 ;;
      jdbc) start_app "$instance" /health OTTO_IDEMPOTENCY_STORE=jdbc SPRING_DATASOURCE_URL="$JDBC_URL" \
          SPRING_DATASOURCE_USERNAME="$PGUSER" ${PGPASSWORD:+SPRING_DATASOURCE_PASSWORD="$PGPASSWORD"} -- \
          --otto.idempotency.jdbc.table-name="$IDEM_TABLE" || exit 1 ;;
    esac
    record_instance "$instance" "$store"
    measure idem "$store" new 1 "$instance" "$IDEM_WARMUP_NEW" "$IDEM_SECONDS" payment-new.lua /api/payments \
      "$NONCE-w-$store" "$NONCE-m-$store" "${IDEM_WRK[@]}"
    measure idem "$store" replay 1 "$instance" "$IDEM_WARMUP_REPLAY" "$IDEM_SECONDS" payment-replay.lua /api/payments \
      "$NONCE-$store" "$NONCE-$store" "${IDEM_WRK[@]}"
    stop_app
  done
  REDIS_KEYS=$(redis_keys | wc -l)
  TABLE_ROWS=$(psql -X -At -c "SELECT count(*) FROM $IDEM_TABLE" 2>/dev/null || echo '?')
  cleanup_stores
  LEFT=$(redis_keys | wc -l)
  TABLE_LEFT=$(psql -X -At -c "SELECT CASE WHEN to_regclass('$IDEM_TABLE') IS NULL THEN 'no' ELSE 'yes' END" 2>/dev/null || echo '?')
  prop note.cleanup "Clean-up: the Redis store had written $REDIS_KEYS keys under \`$REDIS_PREFIX\` ($LEFT left after SCAN + UNLINK); the JDBC table \`$IDEM_TABLE\` held $TABLE_ROWS rows and was dropped (still there: $TABLE_LEFT)."
fi

# ------------------------------------------------------------------------------------------------ report

prop load.after "$(load)"
log "Report (run directory $RUN_DIR, $(( ($(date +%s) - STARTED_AT) / 60 )) min $(( ($(date +%s) - STARTED_AT) % 60 )) s so far)"
status=0
java "$REPORT_SRC" "$RUN_DIR" >"$RUN_DIR/section.md" || status=$?
[[ $status == 0 || $status == 2 ]] || { echo "HttpReport failed (exit $status)" >&2; exit "$status"; }
cat "$RUN_DIR/section.md"
if [[ $RESULTS == 1 ]]; then
  { echo; cat "$RUN_DIR/section.md"; } >>"$HERE/RESULTS.md"
  echo "Appended to $HERE/RESULTS.md"
fi
[[ $status == 2 ]] && echo "Some targets were missed; the figures are recorded as measured." >&2
exit 0
