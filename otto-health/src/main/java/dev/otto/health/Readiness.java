package dev.otto.health;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to "can this instance take traffic?", as served by {@code /ready}.
 *
 * @param ready {@code true} when the aggregator has been started, is not shutting down, and no critical
 *     check is {@code DOWN}; {@code /ready} answers {@code 200} then, {@code 503} otherwise
 * @param degraded {@code true} when at least one non-critical check is {@code DOWN}
 * @param components the result of each check by name, in the order the checks were added; empty before
 *     start-up completes (no check has run yet)
 * @param timestamp when the probe was answered
 * @param duration how long the probe took
 */
public record Readiness(
    boolean ready,
    boolean degraded,
    Map<String, CheckResult> components,
    Instant timestamp,
    Duration duration) {

  /**
   * Validates and freezes the components.
   *
   * @throws IllegalArgumentException if {@code duration} is negative or a component is filed under
   *     another name than its own
   */
  public Readiness {
    Objects.requireNonNull(components, "components must not be null");
    Objects.requireNonNull(timestamp, "timestamp must not be null");
    Objects.requireNonNull(duration, "duration must not be null");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative: " + duration);
    }
    for (Map.Entry<String, CheckResult> entry : components.entrySet()) {
      if (!entry.getKey().equals(entry.getValue().name())) {
        throw new IllegalArgumentException("component '" + entry.getKey() + "' holds the result of '"
            + entry.getValue().name() + "'");
      }
    }
    components = Collections.unmodifiableMap(new LinkedHashMap<>(components));
  }
}
