package dev.otto.benchmarks;

import java.io.IOException;
import java.util.List;

/**
 * One part of a benchmark run's report (rate limiting today; filter overhead, idempotency, readiness and
 * memory as they are added), turned into Markdown for {@code RESULTS.md} and checked against its targets.
 */
public interface ReportSection {

  /**
   * Returns the section's name on the command line of {@link Report}.
   *
   * @return such as {@code ratelimit}
   */
  String name();

  /**
   * Returns the section's heading in {@code RESULTS.md}.
   *
   * @return such as {@code Rate limiter}
   */
  String title();

  /**
   * Renders the figures of a run.
   *
   * @param run what the run left behind
   * @return the section's Markdown body (without its heading and without the target table)
   * @throws IOException when a result file cannot be read
   */
  List<String> figures(RunDirectory run) throws IOException;

  /**
   * Checks the run against the targets.
   *
   * @param run what the run left behind
   * @return one check per target, in the order of {@code shared/TARGETS.md}
   * @throws IOException when a result file cannot be read
   */
  List<TargetCheck> targets(RunDirectory run) throws IOException;
}
