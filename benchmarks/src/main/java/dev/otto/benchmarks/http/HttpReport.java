package dev.otto.benchmarks.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a run directory of {@code benchmarks/run-http.sh} into a dated markdown section of
 * {@code RESULTS.md}: filter overhead (all five Otto components on against all off) and the latency the
 * idempotency filter adds per store (new keys and replays) against the same endpoint without it.
 *
 * <p>Plain JDK on purpose, so the script runs it in source-file mode without building the module:
 *
 * <pre>
 * java benchmarks/src/main/java/dev/otto/benchmarks/http/HttpReport.java RUN_DIR &gt; section.md
 * </pre>
 *
 * <p>The run directory holds {@code machine.properties}, {@code runs.tsv} (one measured wrk run a line:
 * part, group, variant, repetition, name, 1-minute load at its start, application instance),
 * {@code instances.tsv} (instance, variant, seconds to start, {@code GET /actuator/otto} answer) and per run
 * {@code NAME.wrk} (wrk's output with the {@code WRK_RESULT} line of {@code benchmarks/http/common.lua}),
 * {@code NAME.before.prom} and {@code NAME.after.prom} (the application's Prometheus counters around the run).
 * Exit status 0 when every target passes, 2 when one does not (the section is written either way).
 */
public final class HttpReport {

  static final double MIN_THROUGHPUT_RATIO = 0.90;
  static final double MAX_P95_MS = 200.0;

  private HttpReport() {
  }

  /** One measured wrk run. */
  record Run(String part, String group, String variant, int rep, String name, String load, String instance,
      Wrk wrk, Counters counters) {
  }

  /** The figures of a {@code WRK_RESULT} line; latencies in microseconds. */
  record Wrk(long requests, long durationUs, long connect, long read, long write, long status, long timeout,
      double p50, double p95, double p99, double max) {

    double rps() {
      return requests * 1e6 / durationUs;
    }

    long socketErrors() {
      return connect + read + write + timeout;
    }
  }

  /** Deltas of the application's counters over a run. */
  record Counters(Map<String, Double> statuses, Map<String, Double> idempotency, Map<String, Double> rateLimit) {

    double nonSuccess() {
      return statuses.entrySet().stream().filter(e -> !e.getKey().startsWith("2"))
          .mapToDouble(Map.Entry::getValue).sum();
    }
  }

  /** A target and what was measured for it. */
  record Check(String target, String measured, String required, boolean passes) {
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: java HttpReport.java RUN_DIR");
      System.exit(64);
    }
    Path dir = Path.of(args[0]);
    Map<String, String> machine = properties(dir.resolve("machine.properties"));
    List<Run> runs = runs(dir);
    Map<String, String[]> instances = new LinkedHashMap<>();
    Path instanceFile = dir.resolve("instances.tsv");
    if (Files.exists(instanceFile)) {
      for (String line : Files.readAllLines(instanceFile, StandardCharsets.UTF_8)) {
        String[] f = line.split("\t", -1);
        if (f.length >= 4) {
          instances.put(f[0], f);
        }
      }
    }
    List<Check> checks = new ArrayList<>();
    List<String> out = new ArrayList<>();
    header(out, machine);
    overhead(out, machine, runs, instances, checks);
    idempotency(out, machine, runs, instances, checks);
    errors(out, runs, checks);
    targets(out, checks);
    System.out.println(String.join("\n", out));
    System.exit(checks.stream().allMatch(Check::passes) ? 0 : 2);
  }

  // ---------------------------------------------------------------------------------------------- input

  static Map<String, String> properties(Path file) throws IOException {
    Map<String, String> map = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        map.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return map;
  }

  static List<Run> runs(Path dir) throws IOException {
    List<Run> runs = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("runs.tsv"), StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\t", -1);
      String name = f[4];
      Optional<Wrk> wrk = wrk(dir.resolve(name + ".wrk"));
      if (wrk.isEmpty()) {
        System.err.println("no WRK_RESULT line in " + name + ".wrk; run left out");
        continue;
      }
      Counters counters = counters(prometheus(dir.resolve(name + ".before.prom")),
          prometheus(dir.resolve(name + ".after.prom")));
      runs.add(new Run(f[0], f[1], f[2], Integer.parseInt(f[3]), name, f[5], f[6], wrk.get(), counters));
    }
    return runs;
  }

  private static final Pattern FIELD = Pattern.compile("(\\w+)=([0-9.]+)");

  static Optional<Wrk> wrk(Path file) throws IOException {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.startsWith("WRK_RESULT ")) {
        Map<String, Double> v = new TreeMap<>();
        Matcher m = FIELD.matcher(line);
        while (m.find()) {
          v.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return Optional.of(new Wrk(v.get("requests").longValue(), v.get("duration_us").longValue(),
            v.get("connect").longValue(), v.get("read").longValue(), v.get("write").longValue(),
            v.get("status").longValue(), v.get("timeout").longValue(), v.get("p50_us"), v.get("p95_us"),
            v.get("p99_us"), v.get("max_us")));
      }
    }
    return Optional.empty();
  }

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  static Map<String, Double> prometheus(Path file) throws IOException {
    Map<String, Double> samples = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return samples;
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.find()) {
        try {
          samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        } catch (NumberFormatException ignored) {
          // NaN and the like: not a counter
        }
      }
    }
    return samples;
  }

  static Counters counters(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> statuses = new TreeMap<>();
    Map<String, Double> idempotency = new TreeMap<>();
    Map<String, Double> rateLimit = new TreeMap<>();
    for (Map.Entry<String, Double> e : after.entrySet()) {
      double delta = e.getValue() - before.getOrDefault(e.getKey(), 0.0);
      if (delta == 0) {
        continue;
      }
      String key = e.getKey();
      Map<String, String> labels = labels(key);
      if (key.startsWith("http_server_requests_seconds_count{")) {
        statuses.merge(labels.getOrDefault("status", "?"), delta, Double::sum);
      } else if (key.startsWith("otto_idempotency_requests_total{")) {
        idempotency.merge(labels.getOrDefault("outcome", "?"), delta, Double::sum);
      } else if (key.startsWith("otto_ratelimit_decisions_total{")) {
        rateLimit.merge(labels.getOrDefault("outcome", "?") + " (" + labels.getOrDefault("backend", "?") + ")",
            delta, Double::sum);
      }
    }
    return new Counters(statuses, idempotency, rateLimit);
  }

  static Map<String, String> labels(String key) {
    Map<String, String> labels = new LinkedHashMap<>();
    int brace = key.indexOf('{');
    if (brace >= 0) {
      Matcher m = LABEL.matcher(key.substring(brace));
      while (m.find()) {
        labels.put(m.group(1), m.group(2));
      }
    }
    return labels;
  }

  // ---------------------------------------------------------------------------------------------- sections

  static void header(List<String> out, Map<String, String> m) {
    out.add("## " + m.getOrDefault("started", "?") + " — HTTP: filter overhead and idempotency latency");
    out.add("");
    out.add("**What is measured** (`benchmarks/run-http.sh`, wrk scripts in `benchmarks/http/`, this section by"
        + " `src/main/java/dev/otto/benchmarks/http/HttpReport.java`): the demo (`examples/otto-demo`) under"
        + " `wrk` on loopback, every variant in its own JVM with the same options, started and stopped by its"
        + " pid. (1) Filter overhead: all five Otto components on (the default) against all off, alternating"
        + " on, off, on, off, on, off, on `GET /api/payments/count` (passes every filter, no rule matches) and on"
        + " `GET /api/greeting` with a new `X-Api-Key` on every request (each request a real limiter decision on"
        + " a fresh key; quota raised so none is rejected). (2) Idempotency: `POST /api/payments` with a JSON"
        + " body per store (memory, Redis, PostgreSQL) against the same demo with idempotency off (baseline);"
        + " \"new\" = a new `Idempotency-Key` on every request, \"replay\" = one key and body throughout (the"
        + " warm-up makes the first request, so every measured request is a replay). All other components stay"
        + " on in (2).");
    out.add("");
    out.add("**Reproduce** (about 19 minutes on 2 cores, plus up to 5 minutes' wait while the 1-minute load is above 2.0; needs `wrk`, `curl`, `redis-cli`, `psql`, the Redis and"
        + " PostgreSQL named below, of which it only touches its own keys and table):"
        + " `bash benchmarks/run-http.sh` (`--no-build` reuses the demo jar, `--no-results` only prints).");
    out.add("");
    out.add("- Machine: " + m.getOrDefault("nproc", "?") + " cores (`nproc`), kernel " + m.getOrDefault("kernel", "?")
        + " (`uname -r`), " + m.getOrDefault("java", "?") + " (`java -version`), " + m.getOrDefault("wrk", "?")
        + ", Redis " + m.getOrDefault("redis.version", "?") + " at " + m.getOrDefault("redis.url", "?")
        + ", PostgreSQL " + m.getOrDefault("postgres.version", "?") + " at " + m.getOrDefault("jdbc.url", "?") + ".");
    out.add("- Load average (`uptime`, 1/5/15 min): before " + m.getOrDefault("load.before", "?") + "; after "
        + m.getOrDefault("load.after", "?") + ". " + m.getOrDefault("load.note", ""));
    out.add("- Command: `" + m.getOrDefault("command", "?") + "`; demo jar " + m.getOrDefault("jar", "?") + ".");
    out.add("- JVM (every variant): `" + m.getOrDefault("jvm", "?") + "`.");
    out.add("- Settings: " + m.getOrDefault("settings", "?"));
    for (String key : m.keySet()) {
      if (key.startsWith("note.")) {
        out.add("- " + m.get(key));
      }
    }
    out.add("");
  }

  static void overhead(List<String> out, Map<String, String> machine, List<Run> all,
      Map<String, String[]> instances, List<Check> checks) {
    List<Run> runs = all.stream().filter(r -> r.part().equals("overhead")).toList();
    if (runs.isEmpty()) {
      return;
    }
    out.add("### Filter overhead: all five components on ÷ all off");
    out.add("");
    out.add("Median of " + count(runs, "on") + " run(s) per variant, [lowest–highest] run; ratio = on ÷ off of the"
        + " medians (throughput: higher is better, ≥ 0.90× required; latency: lower is better).");
    out.add("");
    out.add("| endpoint | variant | requests/s | p50 ms | p95 ms | p99 ms | non-2xx | socket errors |");
    out.add("|---|---|---:|---:|---:|---:|---:|---:|");
    for (String group : groups(runs)) {
      List<Run> on = select(runs, group, "on");
      List<Run> off = select(runs, group, "off");
      String endpoint = endpoint(group);
      out.add(row(endpoint, "all on", on));
      out.add(row("", "all off", off));
      out.add("| | **on ÷ off** | **" + ratio(median(on, r -> r.wrk().rps()), median(off, r -> r.wrk().rps()))
          + "** | " + ratio(median(on, r -> r.wrk().p50()), median(off, r -> r.wrk().p50())) + " | "
          + ratio(median(on, r -> r.wrk().p95()), median(off, r -> r.wrk().p95())) + " | "
          + ratio(median(on, r -> r.wrk().p99()), median(off, r -> r.wrk().p99())) + " | | |");
    }
    out.add("");
    out.add("Every run in order (the 1-minute load at its start shows what else the machine was doing); pair"
        + " ratio = that repetition's on ÷ off throughput:");
    out.add("");
    out.add("| endpoint | repetition | variant | load | requests/s | p50 ms | p95 ms | p99 ms | non-2xx | pair ratio |");
    out.add("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for (String group : groups(runs)) {
      for (Run r : runs.stream().filter(r -> r.group().equals(group)).toList()) {
        String pair = "";
        if (r.variant().equals("off")) {
          Optional<Run> on = runs.stream()
              .filter(o -> o.group().equals(group) && o.rep() == r.rep() && o.variant().equals("on")).findFirst();
          pair = on.map(o -> ratio(o.wrk().rps(), r.wrk().rps())).orElse("");
        }
        out.add("| " + endpoint(group) + " | " + r.rep() + " | " + r.variant() + " | " + r.load() + " | "
            + rps(r.wrk().rps()) + " | " + ms(r.wrk().p50()) + " | " + ms(r.wrk().p95()) + " | "
            + ms(r.wrk().p99()) + " | " + r.wrk().status() + " | " + pair + " |");
      }
    }
    out.add("");
    List<String> components = new ArrayList<>();
    for (String[] i : instances.values()) {
      if (i[1].equals("on") || i[1].equals("off")) {
        components.add(i[0] + " (" + i[1] + ", started in " + i[2] + " s): " + enabledCount(i[3]));
      }
    }
    if (!components.isEmpty()) {
      out.add("Components enabled per instance (`GET /actuator/otto`): " + String.join("; ", components) + ".");
      out.add("");
    }
    List<String> decisions = new ArrayList<>();
    for (Run r : runs) {
      if (r.group().equals("greeting") && r.variant().equals("on")) {
        decisions.add("run " + r.rep() + ": " + describe(r.counters().rateLimit()));
      }
    }
    if (!decisions.isEmpty()) {
      out.add("Rate-limit decisions during the measured greeting runs, all on (`otto_ratelimit_decisions_total`): "
          + String.join("; ", decisions) + ".");
      out.add("");
    }
    for (String group : groups(runs)) {
      List<Run> on = select(runs, group, "on");
      List<Run> off = select(runs, group, "off");
      double r = median(on, x -> x.wrk().rps()) / median(off, x -> x.wrk().rps());
      double[] pairs = on.stream().flatMap(o -> off.stream().filter(f -> f.rep() == o.rep())
          .map(f -> o.wrk().rps() / f.wrk().rps())).mapToDouble(Double::doubleValue).sorted().toArray();
      String pairSpread = pairs.length < 2 ? ""
          : String.format(Locale.ROOT, " (pairs %.2f–%.2f×)", pairs[0], pairs[pairs.length - 1]);
      checks.add(new Check("Filter overhead, " + endpoint(group) + ": throughput all on ÷ all off (medians)",
          String.format(Locale.ROOT, "%.2f×", r) + pairSpread, "≥ 0.90×", r >= MIN_THROUGHPUT_RATIO));
      Run worst = on.stream().max((a, b) -> Double.compare(a.wrk().p95(), b.wrk().p95())).orElseThrow();
      checks.add(new Check("p95 latency, " + endpoint(group) + ", all on (worst of " + on.size() + " run(s))",
          ms(worst.wrk().p95()) + " ms", "< 200 ms", worst.wrk().p95() / 1000 < MAX_P95_MS));
    }
  }

  static void idempotency(List<String> out, Map<String, String> machine, List<Run> all,
      Map<String, String[]> instances, List<Check> checks) {
    List<Run> runs = all.stream().filter(r -> r.part().equals("idem")).toList();
    if (runs.isEmpty()) {
      return;
    }
    out.add("### Idempotency: added latency per store");
    out.add("");
    out.add("`POST /api/payments` (`{\"amount\":1250,\"currency\":\"EUR\"}`), one run per store and scenario;"
        + " baseline = the same demo with `OTTO_IDEMPOTENCY_ENABLED=false` (the key header is ignored, every"
        + " request runs the handler). Added p50 = store's p50 − baseline's p50 in the same scenario; at "
        + machine.getOrDefault("idem.connections", "16") + " connections the latency includes queueing, so it"
        + " moves with throughput. Outcomes from `otto_idempotency_requests_total` over the measured run.");
    out.add("");
    out.add("| store | scenario | requests/s | ÷ baseline | p50 ms | p95 ms | p99 ms | added p50 ms | added p99 ms |"
        + " outcomes | non-2xx |");
    out.add("|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|");
    for (String scenario : List.of("new", "replay")) {
      Optional<Run> base = runs.stream()
          .filter(r -> r.group().equals("baseline") && r.variant().equals(scenario)).findFirst();
      for (Run r : runs.stream().filter(r -> r.variant().equals(scenario)).toList()) {
        boolean isBase = r.group().equals("baseline");
        String vs = base.isEmpty() || isBase ? "" : ratio(r.wrk().rps(), base.get().wrk().rps());
        String addedP50 = base.isEmpty() || isBase ? "" : signedMs(r.wrk().p50() - base.get().wrk().p50());
        String addedP99 = base.isEmpty() || isBase ? "" : signedMs(r.wrk().p99() - base.get().wrk().p99());
        out.add("| " + (isBase ? "baseline (off)" : r.group()) + " | " + scenario + " | " + rps(r.wrk().rps())
            + " | " + vs + " | " + ms(r.wrk().p50()) + " | " + ms(r.wrk().p95()) + " | " + ms(r.wrk().p99())
            + " | " + addedP50 + " | " + addedP99 + " | "
            + (isBase ? "filter off" : describe(r.counters().idempotency())) + " | " + r.wrk().status()
            + " |");
      }
    }
    out.add("");
    runs.stream().filter(r -> !r.group().equals("baseline"))
        .max((a, b) -> Double.compare(a.wrk().p95(), b.wrk().p95()))
        .ifPresent(worst -> checks.add(new Check("p95 latency, `POST /api/payments` with idempotency on, worst store"
            + " and scenario (" + worst.group() + ", " + worst.variant() + ")", ms(worst.wrk().p95()) + " ms",
            "< 200 ms", worst.wrk().p95() / 1000 < MAX_P95_MS)));
    for (Run r : runs) {
      if (r.group().equals("baseline")) {
        continue;
      }
      String expected = r.variant().equals("new") ? "executed" : "replayed";
      double hits = r.counters().idempotency().getOrDefault(expected, 0.0);
      double total = r.counters().idempotency().values().stream().mapToDouble(Double::doubleValue).sum();
      if (total > 0 && hits < 0.99 * total) {
        out.add("Note: " + r.group() + "/" + r.variant() + " — only " + (long) hits + " of " + (long) total
            + " requests were " + expected + ".");
        out.add("");
      }
    }
  }

  static void errors(List<String> out, List<Run> runs, List<Check> checks) {
    List<String> problems = new ArrayList<>();
    long nonSuccess = 0;
    long socket = 0;
    for (Run r : runs) {
      nonSuccess += r.wrk().status();
      socket += r.wrk().socketErrors();
      if (r.wrk().status() > 0 || r.wrk().socketErrors() > 0) {
        Map<String, Double> bad = new TreeMap<>(r.counters().statuses());
        bad.keySet().removeIf(s -> s.startsWith("2"));
        problems.add(r.name() + ": " + r.wrk().status() + " non-2xx (server counted " + describe(bad) + "), "
            + r.wrk().connect() + " connect / " + r.wrk().read() + " read / " + r.wrk().write() + " write / "
            + r.wrk().timeout() + " timeout errors");
      }
    }
    if (!problems.isEmpty()) {
      out.add("**Errors in measured runs:** " + String.join("; ", problems) + ".");
      out.add("");
    }
    checks.add(new Check("Measured runs without a non-2xx answer or a socket error (" + runs.size() + " runs)",
        nonSuccess + " non-2xx, " + socket + " socket errors", "0", nonSuccess == 0 && socket == 0));
  }

  static void targets(List<String> out, List<Check> checks) {
    out.add("### Targets");
    out.add("");
    out.add("| target | measured | required | verdict |");
    out.add("|---|---:|---:|---|");
    for (Check c : checks) {
      out.add("| " + c.target() + " | " + c.measured() + " | " + c.required() + " | **"
          + (c.passes() ? "PASS" : "FAIL") + "** |");
    }
    out.add("");
    out.add(checks.stream().filter(Check::passes).count() + " of " + checks.size() + " targets met.");
  }

  // ---------------------------------------------------------------------------------------------- helpers

  static List<String> groups(List<Run> runs) {
    return runs.stream().map(Run::group).distinct().toList();
  }

  static List<Run> select(List<Run> runs, String group, String variant) {
    return runs.stream().filter(r -> r.group().equals(group) && r.variant().equals(variant)).toList();
  }

  static long count(List<Run> runs, String variant) {
    return runs.stream().filter(r -> r.variant().equals(variant)).map(Run::group).findFirst()
        .map(g -> (long) select(runs, g, variant).size()).orElse(0L);
  }

  static String endpoint(String group) {
    return switch (group) {
      case "count" -> "`GET /api/payments/count`";
      case "greeting" -> "`GET /api/greeting`, new key per request";
      default -> group;
    };
  }

  static String row(String endpoint, String variant, List<Run> runs) {
    return "| " + endpoint + " | " + variant + " | " + spread(runs, r -> r.wrk().rps(), HttpReport::rps) + " | "
        + spread(runs, r -> r.wrk().p50(), HttpReport::ms) + " | " + spread(runs, r -> r.wrk().p95(), HttpReport::ms)
        + " | " + spread(runs, r -> r.wrk().p99(), HttpReport::ms) + " | "
        + runs.stream().mapToLong(r -> r.wrk().status()).sum() + " | "
        + runs.stream().mapToLong(r -> r.wrk().socketErrors()).sum() + " |";
  }

  interface Format {
    String apply(double value);
  }

  static String spread(List<Run> runs, ToDoubleFunction<Run> f, Format format) {
    double[] v = runs.stream().mapToDouble(f).sorted().toArray();
    if (v.length == 0) {
      return "–";
    }
    if (v.length == 1) {
      return format.apply(v[0]);
    }
    return format.apply(median(v)) + " [" + format.apply(v[0]) + "–" + format.apply(v[v.length - 1]) + "]";
  }

  static double median(List<Run> runs, ToDoubleFunction<Run> f) {
    return median(runs.stream().mapToDouble(f).sorted().toArray());
  }

  static double median(double[] sorted) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    double[] v = Arrays.copyOf(sorted, sorted.length);
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  static String ratio(double a, double b) {
    return String.format(Locale.ROOT, "%.2f×", a / b);
  }

  static String rps(double value) {
    return String.format(Locale.ROOT, "%,.0f", value);
  }

  /** Microseconds as milliseconds. */
  static String ms(double micros) {
    double ms = micros / 1000;
    return String.format(Locale.ROOT, ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms);
  }

  static String signedMs(double micros) {
    String s = ms(Math.abs(micros));
    return (micros < 0 ? "−" : "+") + s;
  }

  static String describe(Map<String, Double> counts) {
    if (counts.isEmpty()) {
      return "none";
    }
    List<String> parts = new ArrayList<>();
    counts.forEach((k, v) -> parts.add(k + " " + String.format(Locale.ROOT, "%.0f", v)));
    return String.join(", ", parts);
  }

  static String enabledCount(String json) {
    Matcher m = Pattern.compile("\"(\\w+)\":\\{\"enabled\":(true|false)").matcher(json);
    List<String> on = new ArrayList<>();
    int total = 0;
    while (m.find()) {
      total++;
      if (m.group(2).equals("true")) {
        on.add(m.group(1));
      }
    }
    if (total == 0) {
      return "not reported";
    }
    return on.size() + " of " + total + (on.isEmpty() ? "" : " (" + String.join(", ", on) + ")");
  }
}
