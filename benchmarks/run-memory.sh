#!/usr/bin/env bash
# Memory under a key flood: distinct client keys through Otto's LocalRateLimiter and MemoryIdempotencyStore
# (both maximumKeys 100,000) in one JVM with a fixed heap; the heap they retain must stay under a bound set by
# maximumKeys, whatever the number of keys seen. Appends a dated section to benchmarks/RESULTS.md.
#
#   1. builds the benchmarks module (and the Otto modules it needs) and writes its Maven class path;
#   2. runs dev.otto.benchmarks.memory.KeyFloodBenchmark with -Xms512m -Xmx512m -XX:+UseParallelGC:
#      limiter 1,000,000 keys, limiter 10,000,000 keys, store 1,000,000 keys (claim + complete, 200-byte body);
#      used heap after full GCs before, at every tenth, and after each flood (MemoryMXBean);
#   3. appends the section (tables and verdicts printed by the benchmark).
#
# Usage: bash benchmarks/run-memory.sh [--no-build] [--no-results] [--no-wait] [--keys N]
#   --no-build      reuse benchmarks/target/classes and the class path of the last build
#   --no-results    print the section but do not append it to benchmarks/RESULTS.md
#   --no-wait       do not wait for the 1-minute load to drop to 2.0 (by default: up to 5 minutes)
#   --keys N        distinct keys per flood (default 1000000; the limiter's second flood has 10×)
# Environment: MVN_ARGS (extra Maven arguments, e.g. -o), MEMORY_JAVA_OPTS (default below).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
CLASSPATH_FILE="$HERE/target/readiness.classpath"
JAVA_OPTS="${MEMORY_JAVA_OPTS:--Xms512m -Xmx512m -XX:+UseParallelGC}"
KEYS=1000000
MAXIMUM_KEYS=100000
BODY_BYTES=200

BUILD=1
RESULTS=1
WAIT=1
COMMAND="bash benchmarks/run-memory.sh"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) BUILD=0 ;;
    --no-results) RESULTS=0 ;;
    --no-wait) WAIT=0 ;;
    --keys) KEYS="$2"; COMMAND="$COMMAND --keys $2"; shift ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done

RUN_DIR="$HERE/target/memory-run-$(date -u +%Y%m%dT%H%M%SZ)"
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

log "KeyFloodBenchmark ($JAVA_OPTS)"
STATUS=0
# shellcheck disable=SC2086
timeout 1200 java $JAVA_OPTS -cp "$HERE/target/classes:$(cat "$CLASSPATH_FILE")" \
  dev.otto.benchmarks.memory.KeyFloodBenchmark --keys "$KEYS" --maximum-keys "$MAXIMUM_KEYS" \
  --body-bytes "$BODY_BYTES" --markdown "$RUN_DIR/tables.md" | tee "$RUN_DIR/output.txt" || STATUS=$?
LOAD_AFTER="$(load)"
[[ -s $RUN_DIR/tables.md ]] || { echo "the benchmark wrote no tables (exit $STATUS); see $RUN_DIR/output.txt" >&2; exit 1; }

SECTION="$RUN_DIR/section.md"
{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M') UTC — Memory under a key flood"
  echo
  echo "- Machine: $(nproc) cores (\`nproc\`), kernel $(uname -r), $(sed -n 's/^JVM \(.*\), max heap.*/\1/p' "$RUN_DIR/output.txt"), JVM \`$JAVA_OPTS\` ($(sed -n 's/^JVM .*, \(max heap [^,]*\), GC \(.*\)/\1, \2/p' "$RUN_DIR/output.txt"))."
  echo "- Load average (\`uptime\`, 1/5/15 min): before $LOAD_BEFORE; after $LOAD_AFTER."
  echo "- Command: \`$COMMAND\` (source: \`src/main/java/dev/otto/benchmarks/memory/KeyFloodBenchmark.java\`); exit status $STATUS (0: every bound held)."
  echo "- What: one thread pushes distinct keys through a fresh \`LocalRateLimiter\` (\`maximumKeys(100_000)\`, \`tryAcquire\` once per key under a 10/s policy, keys \`10.a.b.c\`) and a fresh \`MemoryIdempotencyStore\` (\`maximumKeys(100_000)\`, \`claim\` + \`complete\` per key with a 64-hex store key and fingerprint, a UUID owner and a \`201\` response with two headers and a ${BODY_BYTES}-byte body), after a warm-up on throw-away instances. Retained heap = used heap after two \`System.gc()\` (ParallelGC: full collections; the common pool, where Caffeine does its maintenance, quiescent first) with the instance alive, minus the same before it was created. Time per key includes making the key and value. Budget = maximumKeys × 1.5 × a field-by-field per-entry estimate (in the class's Javadoc, stated before measuring) + 2 MiB."
  echo
  cat "$RUN_DIR/tables.md"
} >"$SECTION"

log "Section"
cat "$SECTION"
if [[ $RESULTS == 1 ]]; then
  cat "$SECTION" >>"$HERE/RESULTS.md"
  echo "appended to $HERE/RESULTS.md"
fi
exit "$STATUS"
