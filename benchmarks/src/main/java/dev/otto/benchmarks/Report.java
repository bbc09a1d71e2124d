package dev.otto.benchmarks;

import dev.otto.benchmarks.ratelimit.RateLimitSection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Turns a benchmark run's directory into a dated section of {@code RESULTS.md}: the machine, the command,
 * the figures, and every target with its verdict. Prints the section, and appends it to the results file
 * when one is given.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.otto.benchmarks.Report \
 *     --run-dir benchmarks/target/ratelimit-run-… --section ratelimit [--results benchmarks/RESULTS.md]
 * </pre>
 *
 * <p>Exit status 0 when every target passes, 2 when one fails or was not measured (the section is written
 * either way: a missed target is recorded, not hidden).
 */
public final class Report {

  private static final Map<String, ReportSection> SECTIONS = Stream.<ReportSection>of(new RateLimitSection())
      .collect(Collectors.toMap(ReportSection::name, Function.identity()));

  private Report() {
  }

  /**
   * Writes the report.
   *
   * @param args {@code --run-dir DIR --section NAME [--results FILE]}
   * @throws IOException when the run cannot be read or the results file cannot be written
   */
  public static void main(String[] args) throws IOException {
    @Nullable Path runDir = null;
    @Nullable Path results = null;
    @Nullable String sectionName = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--run-dir" -> runDir = Path.of(value(args, ++i));
        case "--results" -> results = Path.of(value(args, ++i));
        case "--section" -> sectionName = value(args, ++i);
        default -> throw usage("unknown argument " + args[i]);
      }
    }
    if (runDir == null || sectionName == null) {
      throw usage("--run-dir and --section are required");
    }
    ReportSection section = SECTIONS.get(sectionName);
    if (section == null) {
      throw usage("unknown section " + sectionName + "; known: " + SECTIONS.keySet());
    }
    RunDirectory run = RunDirectory.read(runDir);
    List<TargetCheck> checks = section.targets(run);
    String markdown = String.join("\n", render(section, run, checks)) + "\n";
    System.out.println(markdown);
    if (results != null) {
      Files.writeString(results, "\n" + markdown, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      System.out.println("Appended to " + results);
    }
    if (!checks.stream().allMatch(TargetCheck::passes)) {
      System.exit(2);
    }
  }

  private static List<String> render(ReportSection section, RunDirectory run, List<TargetCheck> checks)
      throws IOException {
    List<String> lines = new ArrayList<>();
    String started = run.machine("started");
    if (started.equals("?")) {
      started = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    }
    lines.add("## " + started + " — " + section.title());
    lines.add("");
    lines.add("- Machine: " + run.machine("nproc") + " cores (`nproc`), kernel " + run.machine("kernel")
        + " (`uname -r`), " + run.machine("jdk") + ", Redis " + run.machine("redis.version") + " at "
        + run.machine("redis.url") + ".");
    lines.add("- Load average (`uptime`, 1/5/15 min): before " + run.machine("load.before") + "; after "
        + run.machine("load.after") + ". " + run.machine("load.note"));
    lines.add("- Command: `" + run.machine("command") + "`");
    lines.add("- Settings: " + run.machine("settings"));
    lines.add("");
    lines.addAll(section.figures(run));
    lines.add("");
    lines.add("### Targets");
    lines.add("");
    lines.add("| target | measured | required | verdict |");
    lines.add("|---|---:|---:|---|");
    for (TargetCheck check : checks) {
      lines.add("| " + check.target() + " | " + check.measuredText() + " | " + check.requirementText() + " | "
          + (check.passes() ? "**PASS**" : "**" + check.verdict() + "**") + " |");
    }
    long passed = checks.stream().filter(TargetCheck::passes).count();
    lines.add("");
    lines.add(passed + " of " + checks.size() + " targets met.");
    return lines;
  }

  private static String value(String[] args, int index) {
    if (index >= args.length) {
      throw usage(args[index - 1] + " needs a value");
    }
    return args[index];
  }

  private static IllegalArgumentException usage(String problem) {
    return new IllegalArgumentException(problem + "; usage: Report --run-dir DIR --section NAME [--results FILE]");
  }
}
