package dev.otto.benchmarks.ratelimit;

import dev.otto.benchmarks.JmhResults;
import dev.otto.benchmarks.JmhResults.Score;
import dev.otto.benchmarks.ReportSection;
import dev.otto.benchmarks.RunDirectory;
import dev.otto.benchmarks.TargetCheck;
import dev.otto.benchmarks.TargetCheck.Bound;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The rate-limiter part of a run ({@code run-ratelimit.sh}): Redis limiter against Bucket4j and the raw
 * ceilings, round trips per decision, local limiter against a Caffeine lookup, and the targets of
 * {@code shared/TARGETS.md}.
 *
 * <p>Reads from the run directory: the JMH results of {@link RedisLimiterBenchmark} (threads 1 and 16, Otto,
 * Bucket4j and the bare Lettuce call for reference) and
 * {@link LocalLimiterBenchmark} (threads 1 and 2); {@code ceiling-before-*.csv} and
 * {@code ceiling-after-*.csv} from {@code redis-benchmark --csv} ({@code evalsha}, {@code evalsha-p16},
 * {@code ping}); {@code roundtrips.json} from {@link RoundTripCounter}.
 */
public final class RateLimitSection implements ReportSection {

  private static final String REDIS = "RedisLimiterBenchmark.";
  private static final String LOCAL = "LocalLimiterBenchmark.";
  private static final int[] REDIS_THREADS = {1, 16};
  private static final int[] LOCAL_THREADS = {1, 2};
  private static final String[] KEYS = {"hot", "spread"};

  @Override
  public String name() {
    return "ratelimit";
  }

  @Override
  public String title() {
    return "Rate limiter";
  }

  @Override
  public List<String> figures(RunDirectory run) throws IOException {
    JmhResults jmh = run.jmh();
    List<String> lines = new ArrayList<>();

    lines.add("### Redis limiter: decisions per second");
    lines.add("");
    lines.add("Median of the measurement iterations, [lowest–highest] iteration. Same Redis, same limit "
        + "(1,000,000/s, burst 1,000,000: everything allowed), one Lettuce connection per limiter. "
        + "*Bare Lettuce* is the same call through a default Lettuce client (`async().evalsha(…)` of Otto's "
        + "script with prepared key and arguments, no limiter code); Otto runs on a client it configures "
        + "itself, so above 100 % its client settings save more than its own code costs.");
    lines.add("");
    lines.add("Synchronous (the caller waits for each decision):");
    lines.add("");
    lines.add("| keys | threads | Otto | Bucket4j Lettuce (GET + EVAL CAS) | Otto ÷ Bucket4j "
        + "| bare Lettuce EVALSHA | Otto ÷ bare Lettuce |");
    lines.add("|---|---:|---:|---:|---:|---:|---:|");
    for (String keys : KEYS) {
      for (int threads : REDIS_THREADS) {
        Optional<Score> otto = jmh.find(REDIS + "otto", threads, "keys", keys);
        Optional<Score> bucket4j = jmh.find(REDIS + "bucket4j", threads, "keys", keys);
        Optional<Score> lettuce = jmh.find(REDIS + "lettuceEvalsha", threads, "keys", keys);
        lines.add("| " + keys + " | " + threads + " | " + rate(otto) + " | " + rate(bucket4j) + " | "
            + ratioText(ratio(otto, bucket4j)) + " | " + rate(lettuce) + " | " + percent(ratio(otto, lettuce))
            + " |");
      }
    }
    lines.add("");
    lines.add("Asynchronous, " + RedisLimiterBenchmark.IN_FLIGHT + " decisions in flight per thread:");
    lines.add("");
    lines.add("| keys | threads | Otto `tryAcquireAsync` | bare Lettuce EVALSHA | Otto ÷ bare Lettuce |");
    lines.add("|---|---:|---:|---:|---:|");
    for (String keys : KEYS) {
      for (int threads : REDIS_THREADS) {
        Optional<Score> otto = jmh.find(REDIS + "ottoAsync", threads, "keys", keys);
        Optional<Score> lettuce = jmh.find(REDIS + "lettuceEvalshaAsync", threads, "keys", keys);
        lines.add("| " + keys + " | " + threads + " | " + rate(otto) + " | " + rate(lettuce) + " | "
            + percent(ratio(otto, lettuce)) + " |");
      }
    }
    lines.add("");
    lines.add("Allocation per decision, all threads of the JVM included (JMH `-prof gc`, bytes):");
    lines.add("");
    lines.add("| keys | threads | Otto sync | Bucket4j | bare Lettuce sync | Otto async | bare Lettuce async |");
    lines.add("|---|---:|---:|---:|---:|---:|---:|");
    for (String keys : KEYS) {
      for (int threads : REDIS_THREADS) {
        lines.add("| " + keys + " | " + threads + " | "
            + bytes(jmh.find(REDIS + "otto", threads, "keys", keys)) + " | "
            + bytes(jmh.find(REDIS + "bucket4j", threads, "keys", keys)) + " | "
            + bytes(jmh.find(REDIS + "lettuceEvalsha", threads, "keys", keys)) + " | "
            + bytes(jmh.find(REDIS + "ottoAsync", threads, "keys", keys)) + " | "
            + bytes(jmh.find(REDIS + "lettuceEvalshaAsync", threads, "keys", keys)) + " |");
      }
    }

    lines.add("");
    lines.add("### Raw ceilings of the same Redis (`redis-benchmark -c 16 -n 200000`)");
    lines.add("");
    lines.add("EVALSHA runs Otto's own script (`gcra.lua`, loaded with SCRIPT LOAD) on one key, as a decision "
        + "does. Measured before and after the JMH runs; the ratios use the higher of the two.");
    lines.add("");
    lines.add("| command | before JMH | after JMH | used |");
    lines.add("|---|---:|---:|---:|");
    for (String[] ceiling : new String[][] {
        {"evalsha", "EVALSHA"}, {"evalsha-p16", "EVALSHA, pipelined `-P 16`"}, {"ping", "PING"}}) {
      OptionalDouble before = run.redisBenchmarkRps("ceiling-before-" + ceiling[0] + ".csv");
      OptionalDouble after = run.redisBenchmarkRps("ceiling-after-" + ceiling[0] + ".csv");
      lines.add("| " + ceiling[1] + " | " + rate(before) + " | " + rate(after) + " | "
          + rate(ceiling(run, ceiling[0])) + " |");
    }
    lines.add("");
    double evalsha = ceiling(run, "evalsha").orElse(Double.NaN);
    double pipelined = ceiling(run, "evalsha-p16").orElse(Double.NaN);
    lines.add("| Otto against the ceiling | hot, 1 thread | hot, 16 threads | spread, 16 threads |");
    lines.add("|---|---:|---:|---:|");
    lines.add("| Otto sync ÷ EVALSHA | " + share(jmh, "otto", "hot", 1, evalsha) + " | "
        + share(jmh, "otto", "hot", 16, evalsha) + " | " + share(jmh, "otto", "spread", 16, evalsha) + " |");
    lines.add("| bare Lettuce sync ÷ EVALSHA | " + share(jmh, "lettuceEvalsha", "hot", 1, evalsha) + " | "
        + share(jmh, "lettuceEvalsha", "hot", 16, evalsha) + " | "
        + share(jmh, "lettuceEvalsha", "spread", 16, evalsha) + " |");
    lines.add("| Otto async ÷ pipelined EVALSHA | " + share(jmh, "ottoAsync", "hot", 1, pipelined) + " | "
        + share(jmh, "ottoAsync", "hot", 16, pipelined) + " | "
        + share(jmh, "ottoAsync", "spread", 16, pipelined) + " |");
    lines.add("| bare Lettuce async ÷ pipelined EVALSHA | "
        + share(jmh, "lettuceEvalshaAsync", "hot", 1, pipelined) + " | "
        + share(jmh, "lettuceEvalshaAsync", "hot", 16, pipelined) + " | "
        + share(jmh, "lettuceEvalshaAsync", "spread", 16, pipelined) + " |");

    subsection(lines, "Redis commands per decision (`INFO commandstats`)", run, "roundtrips.json",
        RateLimitSection::roundTrips);
    subsection(lines, "Redis failing: the fallback limiter", run, "outage.json", RateLimitSection::outages);
    lines.add("");
    lines.add("### Local limiter against a bare Caffeine lookup");
    lines.add("");
    lines.add("Operations per second, median [lowest–highest]; cost ratio = Otto's time per decision ÷ "
        + "Caffeine's time per `getIfPresent`, both on " + LocalLimiterBenchmark.KEYS + " keys. Caffeine is "
        + "measured twice: with its default executor (maintenance handed to the common pool) and with "
        + "maintenance on the calling thread (`executor(Runnable::run)`); the faster of the two is the baseline "
        + "(Otto runs its cache's maintenance on its clock thread). For reference, "
        + "not targets, in ns per operation: one `System.nanoTime()` (every decision reads the clock) and "
        + "*lookup + write*, a lookup of an `AtomicLong` that records nothing (`getIfPresentQuietly`) and one "
        + "`incrementAndGet` on it: the least an "
        + "exact limiter on Caffeine does per decision (with two threads on the hot key both write one cache "
        + "line). *Floor ÷ Caffeine* is that least cost against the baseline: where it is above the target, no "
        + "exact limiter can meet it on this machine.");
    lines.add("");
    lines.add("| keys | threads | Otto `tryAcquire` | Caffeine `getIfPresent`, default executor "
        + "| Caffeine `getIfPresent`, maintenance on caller | ns per op (Otto / Caffeine baseline) "
        + "| cost ratio | bytes per op (Otto / Caffeine) | clock read, ns | lookup + write, ns "
        + "| floor ÷ Caffeine | Otto ÷ floor |");
    lines.add("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (String keys : KEYS) {
      for (int threads : LOCAL_THREADS) {
        Optional<Score> otto = jmh.find(LOCAL + "otto", threads, "keys", keys);
        Optional<Score> byDefault = jmh.find(LOCAL + "caffeineGet", threads, "keys", keys);
        Optional<Score> onCaller = jmh.find(LOCAL + "caffeineGetOnCaller", threads, "keys", keys);
        Optional<Score> caffeine = faster(byDefault, onCaller);
        Optional<Score> floor = jmh.find(LOCAL + "lookupAndWrite", threads, "keys", keys);
        lines.add("| " + keys + " | " + threads + " | " + rate(otto) + " | " + rate(byDefault) + " | "
            + rate(onCaller) + " | "
            + nanos(otto) + " / " + nanos(caffeine) + " | " + ratioText(ratio(caffeine, otto)) + " | "
            + bytes(otto) + " / " + bytes(caffeine) + " | "
            + nanos(jmh.find(LOCAL + "clockRead", threads, "keys", keys)) + " | " + nanos(floor) + " | "
            + ratioText(ratio(caffeine, floor)) + " | " + ratioText(ratio(floor, otto)) + " |");
      }
    }
    return lines;
  }

  /** A titled part of the section from one JSON file of the run, or a note that it was not measured. */
  private static void subsection(List<String> lines, String title, RunDirectory run, String file,
      Function<JsonNode, List<String>> figures) throws IOException {
    lines.add("");
    lines.add("### " + title);
    lines.add("");
    Optional<JsonNode> document = run.json(file);
    if (document.isEmpty()) {
      lines.add("Not measured (no " + file + ").");
    } else {
      lines.addAll(figures.apply(document.get()));
    }
  }

  private static List<String> roundTrips(JsonNode document) {
    List<String> lines = new ArrayList<>();
    lines.add("Counted on a " + document.path("redis").asString() + ". Script calls are EVALSHA + EVAL as "
        + "Redis counts them; client commands are every command the limiter's Lettuce client sent (its "
        + "round trips). Server calls include the commands scripts run inside Redis.");
    lines.add("");
    lines.add("| limiter | keys | threads | decisions | allowed | script calls per decision "
        + "| round trips per decision | client commands | server calls |");
    lines.add("|---|---|---:|---:|---:|---:|---:|---|---|");
    for (JsonNode count : document.path("counts")) {
      lines.add("| " + count.path("limiter").asString() + " | " + count.path("keys").asString() + " | "
          + count.path("threads").asInt() + " | " + count.path("decisions").asLong() + " | "
          + count.path("allowed").asLong() + " | "
          + String.format(Locale.ROOT, "%.2f", count.path("scriptCallsPerDecision").asDouble()) + " | "
          + String.format(Locale.ROOT, "%.2f", count.path("commandsPerDecision").asDouble()) + " | "
          + compact(count.path("clientCommands")) + " | " + compact(count.path("serverCalls")) + " |");
    }
    return lines;
  }

  private static List<String> outages(JsonNode document) {
    List<String> lines = new ArrayList<>();
    lines.add("`OutageTimer` on a " + document.path("redis").asString() + ": `FallbackRateLimiter` with its "
        + "defaults (" + document.path("commandTimeoutMillis").asLong() + " ms command timeout, breaker after "
        + "3 failures, probe every second), " + document.path("threads").asInt() + " threads each making a "
        + "decision about every " + document.path("pauseMicros").asLong() + " µs, every decision timed. Each "
        + "fault lasts " + document.path("outageSeconds").asInt() + " s: *killed* is SIGKILL, then a restart "
        + "on the same port; *hung* is SIGSTOP (connections open, nothing answers), then SIGCONT. *Waited* "
        + "counts the decisions that took over 1 ms among those still in flight when the fault took effect "
        + "(the process had exited or stopped) or started before the breaker opened, and *longest wait* is "
        + "the longest of them; *back on Redis* is from the restart (or SIGCONT) to the end of the first "
        + "decision Redis made again.");
    lines.add("");
    lines.add("| fault | decisions | threw | waited before the breaker opened | longest wait, ms "
        + "| while open: p50 / p99 / max, µs | back on Redis, s |");
    lines.add("|---|---:|---:|---:|---:|---:|---:|");
    for (JsonNode outage : document.path("outages")) {
      lines.add("| " + outage.path("fault").asString() + " | " + outage.path("decisions").asLong() + " | "
          + outage.path("errors").asLong() + " | " + outage.path("waited").asLong() + " | "
          + String.format(Locale.ROOT, "%.1f", outage.path("longestWaitMicros").asLong() / 1000.0)
          + " | " + outage.path("whileOpenP50Micros").asLong() + " / "
          + outage.path("whileOpenP99Micros").asLong() + " / " + outage.path("whileOpenMaxMicros").asLong()
          + " | " + recovery(outage) + " |");
    }
    return lines;
  }

  @Override
  public List<TargetCheck> targets(RunDirectory run) throws IOException {
    JmhResults jmh = run.jmh();
    List<TargetCheck> checks = new ArrayList<>();
    checks.add(new TargetCheck("Redis: Otto sync ÷ Bucket4j, hot key, 16 threads",
        ratio(jmh.find(REDIS + "otto", 16, "keys", "hot"), jmh.find(REDIS + "bucket4j", 16, "keys", "hot")),
        Bound.AT_LEAST, 15, 'x'));
    checks.add(new TargetCheck("Redis: Otto sync ÷ Bucket4j, spread keys, 16 threads",
        ratio(jmh.find(REDIS + "otto", 16, "keys", "spread"),
            jmh.find(REDIS + "bucket4j", 16, "keys", "spread")),
        Bound.AT_LEAST, 2.3, 'x'));
    checks.add(new TargetCheck("Redis: Otto sync ÷ EVALSHA ceiling (hot key, 16 threads vs `-c 16`)",
        fraction(jmh.find(REDIS + "otto", 16, "keys", "hot"), ceiling(run, "evalsha")),
        Bound.AT_LEAST, 0.75, '%'));
    checks.add(new TargetCheck("Redis: Otto async ÷ pipelined EVALSHA ceiling (hot key, 16 threads vs `-c 16 -P 16`)",
        fraction(jmh.find(REDIS + "ottoAsync", 16, "keys", "hot"), ceiling(run, "evalsha-p16")),
        Bound.AT_LEAST, 0.60, '%'));
    checks.add(new TargetCheck("Redis: Otto script calls per decision, worst scenario (INFO commandstats)",
        worstOtto(run, "scriptCallsPerDecision"), Bound.EXACTLY, 1, 'n'));
    checks.add(new TargetCheck("Redis: Otto round trips per decision, worst scenario (client commands)",
        worstOtto(run, "commandsPerDecision"), Bound.EXACTLY, 1, 'n'));
    Optional<JsonNode> outage = run.json("outage.json");
    Optional<JsonNode> killed = outage.flatMap(document -> fault(document, "killed"));
    checks.add(new TargetCheck("Redis gone (killed): longest wait before the breaker opened, ms",
        killed.map(k -> k.path("longestWaitMicros").asLong() / 1000.0).orElse(Double.NaN),
        Bound.AT_MOST, 50, 'n'));
    checks.add(new TargetCheck("Redis gone (killed): decisions while the breaker is open, p99, ms",
        killed.map(k -> k.path("whileOpenP99Micros").asLong() / 1000.0).orElse(Double.NaN),
        Bound.AT_MOST, 1, 'n'));
    checks.add(new TargetCheck("Redis back (killed or hung): back on Redis, slowest of the two, s",
        outage.map(RateLimitSection::slowestRecoverySeconds).orElse(Double.NaN), Bound.AT_MOST, 5, 'n'));
    checks.add(new TargetCheck("Redis failing: decisions that threw instead of deciding locally",
        outage.map(document -> {
          long threw = 0;
          for (JsonNode each : document.path("outages")) {
            threw += each.path("errors").asLong();
          }
          return (double) threw;
        }).orElse(Double.NaN), Bound.EXACTLY, 0, 'n'));
    for (String keys : KEYS) {
      for (int threads : LOCAL_THREADS) {
        checks.add(new TargetCheck("Local: Otto decision ÷ Caffeine get, " + keys + (keys.equals("hot") ? " key, " : " keys, ")
            + threads + (threads == 1 ? " thread" : " threads"),
            ratio(caffeineBaseline(jmh, threads, keys), jmh.find(LOCAL + "otto", threads, "keys", keys)),
            Bound.AT_MOST, 2, 'x'));
      }
    }
    return checks;
  }

  private static Optional<JsonNode> fault(JsonNode document, String name) {
    for (JsonNode outage : document.path("outages")) {
      if (outage.path("fault").asString().equals(name)) {
        return Optional.of(outage);
      }
    }
    return Optional.empty();
  }

  /** The longer time back on Redis of all faults; NaN when one never came back (or none was timed). */
  private static double slowestRecoverySeconds(JsonNode document) {
    double slowest = Double.NaN;
    for (JsonNode outage : document.path("outages")) {
      long millis = outage.path("recoveryMillis").asLong(-1);
      if (millis < 0) {
        return Double.NaN;
      }
      slowest = Double.isNaN(slowest) ? millis / 1000.0 : Math.max(slowest, millis / 1000.0);
    }
    return slowest;
  }

  private static String recovery(JsonNode outage) {
    long millis = outage.path("recoveryMillis").asLong(-1);
    return millis < 0 ? "not within 15 s" : String.format(Locale.ROOT, "%.2f", millis / 1000.0);
  }

  /** The higher of the before and after measurement: the stricter ceiling. */
  private static OptionalDouble ceiling(RunDirectory run, String name) throws IOException {
    OptionalDouble before = run.redisBenchmarkRps("ceiling-before-" + name + ".csv");
    OptionalDouble after = run.redisBenchmarkRps("ceiling-after-" + name + ".csv");
    if (before.isPresent() && after.isPresent()) {
      return OptionalDouble.of(Math.max(before.getAsDouble(), after.getAsDouble()));
    }
    return before.isPresent() ? before : after;
  }

  /** The highest per-decision figure of Otto's scenarios: exactly 1 when every scenario needs exactly 1. */
  private static double worstOtto(RunDirectory run, String field) throws IOException {
    Optional<JsonNode> document = run.json("roundtrips.json");
    if (document.isEmpty()) {
      return Double.NaN;
    }
    double worst = Double.NaN;
    for (JsonNode count : document.get().path("counts")) {
      if (count.path("limiter").asString().equals("otto")) {
        double value = count.path(field).asDouble();
        worst = Double.isNaN(worst) ? value : Math.max(worst, value);
      }
    }
    return worst;
  }

  /**
   * The faster Caffeine lookup of the scenario: with its default executor or with maintenance on the caller
   * (runs made before the second existed have only the first).
   */
  private static Optional<Score> caffeineBaseline(JmhResults jmh, int threads, String keys) {
    return faster(jmh.find(LOCAL + "caffeineGet", threads, "keys", keys),
        jmh.find(LOCAL + "caffeineGetOnCaller", threads, "keys", keys));
  }

  /** The score with the higher median rate; the one present when only one is. */
  private static Optional<Score> faster(Optional<Score> first, Optional<Score> second) {
    if (first.isEmpty() || second.isEmpty()) {
      return first.isPresent() ? first : second;
    }
    return second.get().median() > first.get().median() ? second : first;
  }

  private static double ratio(Optional<Score> numerator, Optional<Score> denominator) {
    if (numerator.isEmpty() || denominator.isEmpty()) {
      return Double.NaN;
    }
    return numerator.get().median() / denominator.get().median();
  }

  private static double fraction(Optional<Score> score, OptionalDouble ceiling) {
    if (score.isEmpty() || ceiling.isEmpty()) {
      return Double.NaN;
    }
    return score.get().median() / ceiling.getAsDouble();
  }

  private static String share(JmhResults jmh, String method, String keys, int threads, double ceiling) {
    Optional<Score> score = jmh.find(REDIS + method, threads, "keys", keys);
    if (score.isEmpty() || Double.isNaN(ceiling)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.0f %%", 100 * score.get().median() / ceiling);
  }

  private static String percent(double ratio) {
    return Double.isNaN(ratio) ? "n/a" : String.format(Locale.ROOT, "%.0f %%", 100 * ratio);
  }

  private static String ratioText(double ratio) {
    if (Double.isNaN(ratio)) {
      return "n/a";
    }
    return String.format(Locale.ROOT, ratio >= 10 ? "%.1f×" : "%.2f×", ratio);
  }

  private static String rate(Optional<Score> score) {
    if (score.isEmpty()) {
      return "n/a";
    }
    Score s = score.get();
    return quantity(s.median()) + " [" + quantity(s.min()) + "–" + quantity(s.max()) + "]";
  }

  private static String rate(OptionalDouble value) {
    return value.isPresent() ? quantity(value.getAsDouble()) : "n/a";
  }

  private static String quantity(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    if (value >= 1e6) {
      return String.format(Locale.ROOT, "%.1f M", value / 1e6);
    }
    if (value >= 1e3) {
      return String.format(Locale.ROOT, "%.1f k", value / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", value);
  }

  private static String bytes(Optional<Score> score) {
    if (score.isEmpty() || Double.isNaN(score.get().bytesPerOperation())) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.0f", score.get().bytesPerOperation());
  }

  /** Time per operation of one thread: threads ÷ throughput. */
  private static String nanos(Optional<Score> score) {
    if (score.isEmpty()) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.1f", score.get().threads() * 1e9 / score.get().median());
  }

  private static String compact(JsonNode counts) {
    List<String> parts = new ArrayList<>();
    counts.properties().forEach(entry -> parts.add(entry.getKey() + " " + entry.getValue().asLong()));
    return parts.isEmpty() ? "–" : String.join(", ", parts);
  }
}
