#!/usr/bin/env bash
# Readiness under a probe storm with one hung dependency: Otto's /ready against Spring Boot Actuator's
# /actuator/health/readiness, on the same app in the same run, and appends a dated section to
# benchmarks/RESULTS.md.
#
#   1. builds the benchmarks module (and the Otto modules it needs) and writes its Maven class path;
#   2. starts dev.otto.benchmarks.readiness.ReadinessBenchmarkApp (Spring Boot 4, Otto starter, Actuator) on a
#      free loopback port: one dependency that takes 3 s (LockSupport.parkNanos), seen by Otto as the
#      non-critical HealthCheck "slow" (otto.health.timeout=1s, otto.health.cache-ttl=1s) and by Actuator as
#      the HealthIndicator "slow" in its readiness group;
#   3. single probes with curl: Otto's very first /ready (no result yet: waits for the timeout), then warm
#      /ready probes, then Actuator's readiness probes;
#   4. a 10-second wrk warm-up of /ready (JIT; not reported), then wrk storms, each counting the slow dependency's runs (GET /bench/counts before and after):
#        a. Otto /ready, saturating:   wrk -t2 -c50 -d20s --latency
#        b. Otto /ready, paced:        the same with a 50 ms delay before each request on each of the 50
#                                      connections (wrk's Lua delay()): at most 1000 probes/s, the target's rate
#        c. Actuator readiness:        wrk -t2 -c50 -d20s --timeout 10s --latency
#   5. stops the app (by its pid) and appends the section.
#
# Usage: bash benchmarks/run-readiness.sh [--no-build] [--no-results] [--duration SECONDS]
#   --no-build      reuse benchmarks/target/classes and the class path of the last build
#   --no-results    print the section but do not append it to benchmarks/RESULTS.md
#   --duration S    length of each wrk run (default 20)
#   --no-wait       do not wait for the 1-minute load to drop to 2.0 (by default: up to 5 minutes)
# Environment: MVN_ARGS (extra Maven arguments, e.g. -o), APP_JAVA_OPTS (default -Xms256m -Xmx256m).
# Needs java, wrk, curl, python3 (to pick a free port). Loopback only; touches no shared service.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
CLASSPATH_FILE="$HERE/target/readiness.classpath"
APP_JAVA_OPTS="${APP_JAVA_OPTS:--Xms256m -Xmx256m}"
DURATION=20
WARMUP=10
CONNECTIONS=50
THREADS=2
PACE_MS=50
SLOW_DELAY_S=3
TIMEOUT_S=1
TTL_S=1

BUILD=1
RESULTS=1
WAIT=1
COMMAND="bash benchmarks/run-readiness.sh"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --no-results) RESULTS=0 ;;
    --no-wait) WAIT=0 ;;
    --duration) DURATION="$2"; COMMAND="$COMMAND --duration $2"; shift ;;
    -h|--help) sed -n '2,28p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
[[ $DURATION =~ ^[0-9]+$ ]] || { echo "--duration takes whole seconds" >&2; exit 64; }

for tool in java wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool is required but not on PATH" >&2; exit 69; }
done

RUN_DIR="$HERE/target/readiness-run-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RUN_DIR"
load() { cut -d' ' -f1-3 /proc/loadavg | sed 's/ /, /g'; }
one_minute_load() { cut -d' ' -f1 /proc/loadavg; }
log() { printf '\n== %s [%s, load %s]\n' "$1" "$(date +%H:%M:%S)" "$(load)"; }

if [[ $BUILD == 1 ]]; then
  log "Building the benchmarks module"
  (cd "$ROOT" && mvn -B -q ${MVN_ARGS:-} install -DskipTests -pl benchmarks -am)
  (cd "$HERE" && mvn -B -q ${MVN_ARGS:-} dependency:build-classpath -Dmdep.outputFile="$CLASSPATH_FILE" >/dev/null)
fi
[[ -s $CLASSPATH_FILE && -d $HERE/target/classes ]] || { echo "no build found; run without --no-build" >&2; exit 1; }

# 2 shared cores: wait (at most 5 minutes, every 30 s) for the 1-minute load to drop to 2.0, then go anyway.
for _ in $(seq 1 $((WAIT * 10))); do
  awk -v l="$(one_minute_load)" 'BEGIN { exit !(l > 2.0) }' || break
  echo "1-minute load $(one_minute_load) > 2.0: waiting 30 s (at most 5 minutes in all)"
  sleep 30
done
LOAD_BEFORE="$(load)"

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
APP_PID=""
stop_app() {
  if [[ -n $APP_PID ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$APP_PID" 2>/dev/null && kill -9 "$APP_PID" 2>/dev/null || true
  fi
  APP_PID=""
}
trap stop_app EXIT

log "Starting ReadinessBenchmarkApp on $BASE"
# shellcheck disable=SC2086
java $APP_JAVA_OPTS -cp "$HERE/target/classes:$(cat "$CLASSPATH_FILE")" \
  dev.otto.benchmarks.readiness.ReadinessBenchmarkApp \
  --server.port="$PORT" --otto.health.timeout="${TIMEOUT_S}s" --otto.health.cache-ttl="${TTL_S}s" \
  --bench.slow.delay="${SLOW_DELAY_S}s" --bench.slow.critical=false \
  >"$RUN_DIR/app.log" 2>&1 &
APP_PID=$!
STARTED=0
for _ in $(seq 1 120); do
  if curl -s -o /dev/null --max-time 2 "$BASE/health"; then STARTED=1; break; fi
  kill -0 "$APP_PID" 2>/dev/null || break
  sleep 0.5
done
[[ $STARTED == 1 ]] || { echo "the app did not start; see $RUN_DIR/app.log" >&2; tail -30 "$RUN_DIR/app.log" >&2; exit 1; }

counts() { curl -s --max-time 5 "$BASE/bench/counts"; }
count_of() { sed -n "s/.*\b$2=\([0-9]*\).*/\1/p" <<<"$1"; }

# probe URL FILE: prints "status seconds", keeps the body in FILE.
probe() { curl -s -o "$2" --max-time 15 -w '%{http_code} %{time_total}\n' "$1"; }

log "Single probes"
read -r OTTO_COLD_CODE OTTO_COLD_S < <(probe "$BASE/ready" "$RUN_DIR/otto-cold.json")
echo "Otto first /ready: $OTTO_COLD_CODE in ${OTTO_COLD_S}s: $(cat "$RUN_DIR/otto-cold.json")"
OTTO_WARM=()
for _ in 1 2 3 4 5; do
  read -r code secs < <(probe "$BASE/ready" "$RUN_DIR/otto-warm.json")
  OTTO_WARM+=("$code:$secs")
  sleep 0.2
done
echo "Otto warm /ready: ${OTTO_WARM[*]}: $(cat "$RUN_DIR/otto-warm.json")"
ACT_SINGLE=()
for _ in 1 2 3; do
  read -r code secs < <(probe "$BASE/actuator/health/readiness" "$RUN_DIR/actuator-single.json")
  ACT_SINGLE+=("$code:$secs")
done
echo "Actuator readiness: ${ACT_SINGLE[*]}: $(cat "$RUN_DIR/actuator-single.json")"
SINGLE_COUNTS="$(counts)"
echo "slow dependency runs so far: $SINGLE_COUNTS"

cat >"$RUN_DIR/report.lua" <<'LUA'
local pace = tonumber(os.getenv("WRK_DELAY_MS") or "0")
if pace > 0 then
  function delay()
    return pace
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.1f "
      .. "non2xx=%d timeouts=%d connect_errors=%d read_errors=%d write_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean,
    e.status, e.timeout, e.connect, e.read, e.write))
end
LUA

# storm NAME URL DELAY_MS EXTRA_WRK_ARGS...: runs wrk, stores RESULT fields and the slow runs under NAME_*.
storm() {
  local name="$1" url="$2" pace="$3"; shift 3
  local before after start end
  log "wrk $name: $url (delay ${pace} ms)"
  before="$(counts)"
  curl -s --max-time 5 -o /dev/null "$BASE/bench/server-times?reset=true"
  start=$(date +%s.%N)
  WRK_DELAY_MS="$pace" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" -s "$RUN_DIR/report.lua" "$url" \
    | tee "$RUN_DIR/wrk-$name.txt"
  end=$(date +%s.%N)
  after="$(counts)"
  local side=otto
  [[ $name == actuator ]] && side=actuator
  local srv
  srv="$(curl -s --max-time 5 "$BASE/bench/server-times" | grep "^$side " | head -1)"
  echo "server-side: $srv"
  for kv in ${srv#"$side "}; do
    printf -v "${name}_srv_${kv%%=*}" '%s' "${kv#*=}"
  done
  local line
  line="$(grep '^RESULT ' "$RUN_DIR/wrk-$name.txt" | tail -1)"
  for kv in ${line#RESULT }; do
    printf -v "${name}_${kv%%=*}" '%s' "${kv#*=}"
  done
  printf -v "${name}_runs" '%s' $(( $(count_of "$after" "$side") - $(count_of "$before" "$side") ))
  printf -v "${name}_maxconc" '%s' "$(count_of "$after" "${side}_max_concurrent")"
  printf -v "${name}_elapsed" '%s' "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')"
  echo "slow dependency runs during the storm: $(eval echo "\$${name}_runs") (counts before: $before; after: $after)"
}

log "Warm-up: wrk -t$THREADS -c$CONNECTIONS -d${WARMUP}s on $BASE/ready (JIT; not reported)"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$BASE/ready" >"$RUN_DIR/wrk-warmup.txt" 2>&1 || true
grep -E 'Requests/sec|Latency ' "$RUN_DIR/wrk-warmup.txt" || true
sleep 2
storm otto "$BASE/ready" 0
sleep 2
storm ottopaced "$BASE/ready" "$PACE_MS"
read -r OTTO_AFTER_CODE _ < <(probe "$BASE/ready" "$RUN_DIR/otto-after.json")
sleep 2
storm actuator "$BASE/actuator/health/readiness" 0 --timeout 10s
FINAL_COUNTS="$(counts)"
stop_app
LOAD_AFTER="$(load)"

# ---------- the section ----------
ms() { awk -v us="$1" 'BEGIN { if (us >= 100000) printf "%.0f ms", us / 1000; else if (us >= 10000) printf "%.1f ms", us / 1000; else printf "%.2f ms", us / 1000 }'; }
rps() { awk -v n="$1" -v d="$2" 'BEGIN { printf "%.0f", n / (d / 1e6) }'; }
sec_ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
windows() { awk -v d="$1" -v t="$TTL_S" 'BEGIN { printf "%d", (d / 1e6) / t + 0.999 }'; }

OTTO_RPS=$(rps "$otto_requests" "$otto_duration_us")
PACED_RPS=$(rps "$ottopaced_requests" "$ottopaced_duration_us")
ACT_RPS=$(rps "$actuator_requests" "$actuator_duration_us")
OTTO_WIN=$(windows "$otto_duration_us")
PACED_WIN=$(windows "$ottopaced_duration_us")
ACT_WIN=$(windows "$actuator_duration_us")
ratio() { awk -v a="$1" -v o="$2" 'BEGIN { if (a <= 0 || o <= 0) { printf "n/a"; exit } r = a / o; printf (r >= 10 ? "%.0f" : "%.1f"), r }'; }
RATIO=$(ratio "$actuator_p99_us" "$otto_p99_us")
RATIO_PACED=$(ratio "$actuator_p99_us" "$ottopaced_p99_us")
verdict() { if [[ $1 == 1 ]]; then echo "**PASS**"; else echo "**FAIL**"; fi; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? 1 : 0 }'; }
V_SAT=$(verdict "$(le "$otto_p99_us" 5000)")
V_PACED=$(verdict "$(le "$ottopaced_p99_us" 5000)")
V_RUNS=$(verdict "$(le "$otto_runs" $((OTTO_WIN + 1)))")
V_RUNS_PACED=$(verdict "$(le "$ottopaced_runs" $((PACED_WIN + 1)))")
OTTO_MAX_US=$(( otto_max_us > ottopaced_max_us ? otto_max_us : ottopaced_max_us ))
V_TIMEOUT=$(verdict "$(le "$OTTO_MAX_US" $((TIMEOUT_S * 1000000 + 100000)))")
V_COLD=$(verdict "$(awk -v s="$OTTO_COLD_S" -v t="$TIMEOUT_S" 'BEGIN { print (s <= t + 0.1) ? 1 : 0 }')")
PASSED=$(grep -o PASS <<<"$V_SAT $V_PACED $V_RUNS $V_RUNS_PACED $V_TIMEOUT $V_COLD" | wc -l)

SECTION="$RUN_DIR/section.md"
{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC — Readiness under a probe storm with one hung dependency"
  echo
  echo "- Machine: $(nproc) cores (\`nproc\`), kernel $(uname -r), $(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vm.name = //p') $(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)."
  echo "- Load average (\`uptime\`, 1/5/15 min): before $LOAD_BEFORE; after $LOAD_AFTER."
  echo "- Command: \`$COMMAND\` (sources: \`src/main/java/dev/otto/benchmarks/readiness\`)."
  echo "- App: \`ReadinessBenchmarkApp\`, Spring Boot 4.1.2 with \`otto-starter-spring\` and \`spring-boot-starter-actuator\`, JVM \`$APP_JAVA_OPTS\`, loopback port. One dependency that takes ${SLOW_DELAY_S} s (the thread parks) and then answers UP, seen twice: by Otto as the HealthCheck \`slow\`, **not critical** (so \`/ready\` stays \`200\` with \`\"degraded\":true\` while it is timed out; critical it would be \`503\`, equally fast), \`otto.health.timeout=${TIMEOUT_S}s\`, \`otto.health.cache-ttl=${TTL_S}s\`; by Actuator as the HealthIndicator \`slow\` in the readiness group (\`management.endpoint.health.probes.enabled=true\`, \`group.readiness.include=readinessState,slow\`). Each side counts its runs of the dependency."
  echo "- Load, after a ${WARMUP} s wrk warm-up of \`/ready\` (JIT; not reported): \`wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency\` (Actuator also \`--timeout 10s\`); \"paced\" adds a ${PACE_MS} ms delay before each request on each connection (wrk Lua \`delay()\`; latency is timed from the send), i.e. at most $((CONNECTIONS * 1000 / PACE_MS)) probes/s, the target's rate. Non-2xx counts every answer that was not 2xx/3xx (a \`503\` would mean not ready)."
  echo
  echo "### Single probes (curl \`time_total\`)"
  echo
  echo "| probe | status | time |"
  echo "|---|---:|---:|"
  echo "| Otto \`/ready\`, first probe after start-up (no result yet: waits for the ${TIMEOUT_S} s timeout) | $OTTO_COLD_CODE | $(sec_ms "$OTTO_COLD_S") |"
  for p in "${OTTO_WARM[@]}"; do echo "| Otto \`/ready\`, later probe | ${p%%:*} | $(sec_ms "${p#*:}") |"; done
  for p in "${ACT_SINGLE[@]}"; do echo "| Actuator \`/actuator/health/readiness\` | ${p%%:*} | $(sec_ms "${p#*:}") |"; done
  echo
  echo "Otto's body while the dependency is timed out: \`$(tr -d '\n' <"$RUN_DIR/otto-warm.json")\`"
  echo
  echo "### Probe storm"
  echo
  echo "| endpoint | load | probes/s | p50 | p90 | p99 | p99.9 | max | non-2xx | timeouts / socket errors | slow-dependency runs | TTL windows | most runs at once |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  echo "| Otto \`/ready\` | saturating | $OTTO_RPS | $(ms "$otto_p50_us") | $(ms "$otto_p90_us") | $(ms "$otto_p99_us") | $(ms "$otto_p999_us") | $(ms "$otto_max_us") | $otto_non2xx | $otto_timeouts / $((otto_connect_errors + otto_read_errors + otto_write_errors)) | $otto_runs | $OTTO_WIN | $otto_maxconc |"
  echo "| Otto \`/ready\` | paced, ≤ $((CONNECTIONS * 1000 / PACE_MS))/s | $PACED_RPS | $(ms "$ottopaced_p50_us") | $(ms "$ottopaced_p90_us") | $(ms "$ottopaced_p99_us") | $(ms "$ottopaced_p999_us") | $(ms "$ottopaced_max_us") | $ottopaced_non2xx | $ottopaced_timeouts / $((ottopaced_connect_errors + ottopaced_read_errors + ottopaced_write_errors)) | $ottopaced_runs | $PACED_WIN | $ottopaced_maxconc |"
  echo "| Actuator \`/actuator/health/readiness\` | saturating | $ACT_RPS | $(ms "$actuator_p50_us") | $(ms "$actuator_p90_us") | $(ms "$actuator_p99_us") | $(ms "$actuator_p999_us") | $(ms "$actuator_max_us") | $actuator_non2xx | $actuator_timeouts / $((actuator_connect_errors + actuator_read_errors + actuator_write_errors)) | $actuator_runs | $ACT_WIN | $actuator_maxconc |"
  echo
  echo "Server-side time of the same probes (\`ServerTimes\`, the app's outermost filter: from the request's entry into the filter chain until the response is produced; 1 µs buckets below 10 ms). The difference to wrk's figures is time spent outside the app's request handling (queueing for a CPU, the network stack, wrk itself)."
  echo
  echo "| endpoint | load | probes | p50 | p99 | p99.9 | max | ≥ 100 ms | ≥ 900 ms |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  echo "| Otto \`/ready\` | saturating | $otto_srv_count | $(ms "$otto_srv_p50_us") | $(ms "$otto_srv_p99_us") | $(ms "$otto_srv_p999_us") | $(ms "$otto_srv_max_us") | $otto_srv_ge100ms | $otto_srv_ge900ms |"
  echo "| Otto \`/ready\` | paced | $ottopaced_srv_count | $(ms "$ottopaced_srv_p50_us") | $(ms "$ottopaced_srv_p99_us") | $(ms "$ottopaced_srv_p999_us") | $(ms "$ottopaced_srv_max_us") | $ottopaced_srv_ge100ms | $ottopaced_srv_ge900ms |"
  echo "| Actuator \`/actuator/health/readiness\` | saturating | $actuator_srv_count | $(ms "$actuator_srv_p50_us") | $(ms "$actuator_srv_p99_us") | $(ms "$actuator_srv_p999_us") | $(ms "$actuator_srv_max_us") | $actuator_srv_ge100ms | $actuator_srv_ge900ms |"
  echo
  echo "Ratio of p99 latencies, Actuator ÷ Otto: **${RATIO}×** (saturating), ${RATIO_PACED}× (against the paced Otto run). By design, a probe that finds the cached result expired answers at once with it while the run it starts refreshes it, as long as that result is under two TTLs old (${TTL_S} s each), which it always is in a storm; only a probe that comes after a longer gap (or the very first) waits for its run, at most the ${TIMEOUT_S} s timeout, which the server-side \"≥ 900 ms\" column counts. A probe that finds a run in flight answers with the last result. \"Most runs at once\" is the highest number of concurrent runs of the dependency on that side since start-up. Counts at the end: \`$FINAL_COUNTS\`."
  echo
  echo "### Targets"
  echo
  echo "| target (\`shared/TARGETS.md\`, issue 6) | measured | required | verdict |"
  echo "|---|---:|---:|---|"
  echo "| Otto \`/ready\` p99 with one hung dependency, paced at ≤ $((CONNECTIONS * 1000 / PACE_MS)) probes/s (achieved $PACED_RPS/s) | $(ms "$ottopaced_p99_us") | ≤ 5 ms | $V_PACED |"
  echo "| Otto \`/ready\` p99, saturating wrk ($OTTO_RPS probes/s, $(awk -v r="$OTTO_RPS" 'BEGIN { printf "%.1f", r / 1000 }')× the target's 1000/s) | $(ms "$otto_p99_us") | ≤ 5 ms | $V_SAT |"
  echo "| dependency runs per storm ≤ TTL windows + 1, saturating | $otto_runs | ≤ $((OTTO_WIN + 1)) | $V_RUNS |"
  echo "| dependency runs per storm ≤ TTL windows + 1, paced | $ottopaced_runs | ≤ $((PACED_WIN + 1)) | $V_RUNS_PACED |"
  echo "| every Otto probe in the storm answered within the per-check timeout (${TIMEOUT_S} s, +100 ms), both storms | max $(ms "$OTTO_MAX_US") | ≤ $((TIMEOUT_S * 1000 + 100)) ms | $V_TIMEOUT |"
  echo "| Otto's first probe (no cached result) answered within the timeout | $(sec_ms "$OTTO_COLD_S") | ≤ $((TIMEOUT_S * 1000 + 100)) ms | $V_COLD |"
  echo
  echo "$PASSED of 6 targets met. Actuator (the anchor: 3.0–3.1 s per probe, one run per probe) ran the dependency $actuator_runs times in ${DURATION} s, up to $actuator_maxconc at once; Otto ran it $otto_runs and $ottopaced_runs times. Raw wrk output and the app log: \`benchmarks/target/$(basename "$RUN_DIR")/\`."
} >"$SECTION"

log "Section"
cat "$SECTION"
if [[ $RESULTS == 1 ]]; then
  cat "$SECTION" >>"$HERE/RESULTS.md"
  echo "appended to $HERE/RESULTS.md"
fi
