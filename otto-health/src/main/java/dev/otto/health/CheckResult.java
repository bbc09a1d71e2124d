package dev.otto.health;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one health check, as shown in {@code /ready}.
 *
 * @param name the check's name
 * @param status {@link Status#UP UP} or {@link Status#DOWN DOWN}
 * @param critical whether the check is critical (a {@code DOWN} makes the service not ready)
 * @param duration how long the run took (more than the timeout when it answered late), or the timeout
 *     when it timed out; never negative
 * @param error for {@code DOWN}, a text safe to show to clients ("timed out after 1000 ms", "answered
 *     after 1500 ms, over the 1000 ms timeout", the message
 *     of a {@link HealthCheckException}, or "check failed"); {@code null} for {@code UP}
 * @param details what the check reported beside its status (for example connection pool figures); empty
 *     when none, always empty for {@code DOWN}; iteration order is the check's. Copied when the result is
 *     made, all the way down, into unmodifiable JSON-like values: strings, booleans, immutable numbers
 *     (an {@code AtomicLong} becomes its value), {@code null}, lists (from collections and arrays) and
 *     maps with string keys; anything else becomes its {@code toString()}. A map or collection that
 *     contains itself, nesting deeper than 8 levels and a {@code toString()} that throws become the
 *     placeholders {@code "(cycle)"}, {@code "(too deep)"} and {@code "(unprintable)"}. Entries with a
 *     {@code null} key or value are left out.
 */
public record CheckResult(
    String name,
    Status status,
    boolean critical,
    Duration duration,
    @Nullable String error,
    Map<String, Object> details) {

  /** Whether a check found its dependency usable. */
  public enum Status {
    /** The check returned normally within its timeout. */
    UP,
    /** The check threw, timed out or could not be run. */
    DOWN
  }

  /**
   * Validates and freezes the components, copying the details as described on the class.
   *
   * @throws IllegalArgumentException if {@code duration} is negative, if a {@code DOWN} result has no
   *     error text, or an {@code UP} result has one, or a {@code DOWN} result has details
   * @throws RuntimeException what iterating the details throws (such as a
   *     {@code ConcurrentModificationException} while another thread changes them)
   */
  public CheckResult {
    Objects.requireNonNull(name, "name must not be null");
    Objects.requireNonNull(status, "status must not be null");
    Objects.requireNonNull(duration, "duration must not be null");
    Objects.requireNonNull(details, "details must not be null");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative: " + duration);
    }
    if (status == Status.DOWN && (error == null || error.isBlank())) {
      throw new IllegalArgumentException("a DOWN result needs an error text: check '" + name + "'");
    }
    if (status == Status.UP && error != null) {
      throw new IllegalArgumentException("an UP result has no error text: check '" + name + "', error '"
          + error + "'");
    }
    if (status == Status.DOWN && !details.isEmpty()) {
      throw new IllegalArgumentException("a DOWN result has no details: check '" + name + "'");
    }
    details = CheckDetails.copy(details);
  }

  /**
   * Returns an {@code UP} result.
   *
   * @param details what the check reported; copied as described on the class
   */
  public static CheckResult up(String name, boolean critical, Duration duration, Map<String, Object> details) {
    return new CheckResult(name, Status.UP, critical, duration, null, details);
  }

  /**
   * Returns a {@code DOWN} result.
   *
   * @param error a text safe to show to clients
   */
  public static CheckResult down(String name, boolean critical, Duration duration, String error) {
    return new CheckResult(name, Status.DOWN, critical, duration, error, Map.of());
  }

  /** Returns whether the status is {@link Status#UP UP}. */
  public boolean isUp() {
    return status == Status.UP;
  }
}
