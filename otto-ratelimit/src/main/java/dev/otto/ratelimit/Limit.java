package dev.otto.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * One GCRA band of a {@link RateLimitPolicy}: a sustained rate of {@code quota} requests per {@code period},
 * with up to {@code burst} requests at once.
 *
 * <p>Otto runs the Generic Cell Rate Algorithm in microseconds: the emission interval is
 * {@code T = period / quota} (rounded up to a whole microsecond, so a limit never allows more than its
 * quota) and the tolerance is {@code τ = T × burst}. Every back end uses {@link #emissionIntervalMicros()}
 * and {@link #toleranceMicros()}, so the rounding is the same in Java and in the Redis script.
 *
 * <pre>{@code
 * Limit perSecond = new Limit(10, Duration.ofSeconds(1), 20); // 10/s sustained, bursts of 20
 * Limit perHour = Limit.of(1000, Duration.ofHours(1));        // burst = quota
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param quota how many requests the band allows per period, at least 1
 * @param period the window the quota refers to, at least 1 ms and at most 3650 days
 * @param burst how many requests may arrive at once, at least 1 (usually the quota)
 */
public record Limit(long quota, Duration period, long burst) {

  /** The longest period and the largest tolerance (burst × period / quota) Otto accepts: 3650 days. */
  static final Duration MAX_WINDOW = Duration.ofDays(3650);

  private static final long MAX_WINDOW_MICROS = MAX_WINDOW.getSeconds() * 1_000_000L;

  /**
   * Validates the band.
   *
   * @param quota requests per period, at least 1
   * @param period the window, at least 1 ms and at most 3650 days
   * @param burst requests allowed at once, at least 1
   * @throws IllegalArgumentException naming the bad value when quota, period or burst is out of range
   * @throws NullPointerException if period is null
   */
  public Limit {
    Objects.requireNonNull(period, "period");
    if (quota < 1) {
      throw new IllegalArgumentException("quota must be at least 1: " + quota);
    }
    if (period.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("period must be at least 1 ms: " + period);
    }
    if (period.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException("period must be at most 3650 days: " + period);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be at least 1: " + burst);
    }
    long periodMicros = toMicros(period);
    if (quota > periodMicros) {
      throw new IllegalArgumentException("quota must be at most one per microsecond of the period ("
          + periodMicros + " for " + period + "): " + quota);
    }
    long interval = ceilDiv(periodMicros, quota);
    if (burst > MAX_WINDOW_MICROS / interval) {
      throw new IllegalArgumentException("burst × period / quota must be at most 3650 days; lower the burst: "
          + burst);
    }
  }

  /**
   * Returns a band whose burst equals its quota.
   *
   * @param quota requests per period, at least 1
   * @param period the window, at least 1 ms
   * @return the band
   * @throws IllegalArgumentException naming the bad value
   */
  public static Limit of(long quota, Duration period) {
    return new Limit(quota, period, quota);
  }

  /**
   * Returns the period in whole microseconds (the unit of every GCRA calculation and of Redis keys).
   *
   * @return the period in microseconds, at least 1000
   */
  public long periodMicros() {
    return toMicros(period);
  }

  /**
   * Returns the GCRA emission interval {@code T}: the period divided by the quota, rounded up to a whole
   * microsecond.
   *
   * @return T in microseconds, at least 1
   */
  public long emissionIntervalMicros() {
    return ceilDiv(periodMicros(), quota);
  }

  /**
   * Returns the GCRA tolerance {@code τ = T × burst}: how far ahead of now the theoretical arrival time may
   * run, which is also the time a fully drained band needs to replenish completely.
   *
   * @return τ in microseconds, at least 1
   */
  public long toleranceMicros() {
    return emissionIntervalMicros() * burst;
  }

  private static long toMicros(Duration duration) {
    return duration.getSeconds() * 1_000_000L + duration.getNano() / 1_000;
  }

  private static long ceilDiv(long dividend, long divisor) {
    return -Math.floorDiv(-dividend, divisor);
  }
}
