package dev.otto.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one {@link RateLimiter#tryAcquire(String, RateLimitPolicy, int) tryAcquire} call: whether
 * the request may proceed, and everything needed to write the {@code RateLimit}, {@code RateLimit-Policy}
 * and {@code Retry-After} header fields.
 *
 * <p>{@code limit} is the limit that decided. When the request is rejected it is the limit that rejected it
 * (of several, the one with the longest {@code retryAfter}); when allowed, the one with the least
 * {@code remaining} (ties go to the shortest period). The other values describe that limit:
 * <ul>
 *   <li>{@code remaining}: requests still allowed at once after this decision (a rejected request charges
 *       nothing);
 *   <li>{@code resetAfterNanos}: time until the limit is completely replenished;
 *   <li>{@code retryAfterNanos}: 0 when allowed, otherwise the time until the same request could succeed.
 * </ul>
 *
 * <p>Times are held in nanoseconds, so that a decision is one small object; {@link #resetAfter()} and
 * {@link #retryAfter()} return them as durations. Immutable and thread-safe.
 *
 * @param allowed whether the request may proceed
 * @param remaining requests left in {@code limit} after this decision, never negative
 * @param resetAfterNanos nanoseconds until {@code limit} is full again, never negative
 * @param retryAfterNanos 0 when allowed, else the positive number of nanoseconds until the request could
 *     succeed
 * @param limit the limit that decided
 * @param backend the store that decided
 */
public record RateLimitDecision(
    boolean allowed, long remaining, long resetAfterNanos, long retryAfterNanos, Limit limit,
    RateLimitBackend backend) {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /**
   * Validates the decision.
   *
   * @param allowed whether the request may proceed
   * @param remaining requests left in {@code limit}, not negative
   * @param resetAfterNanos nanoseconds until {@code limit} is full again, not negative
   * @param retryAfterNanos 0 when allowed, else not negative
   * @param limit the limit that decided
   * @param backend the store that decided
   * @throws IllegalArgumentException when a value is negative, or retryAfterNanos is not 0 for an allowed
   *     request
   * @throws NullPointerException when a reference is null
   */
  public RateLimitDecision {
    Objects.requireNonNull(limit, "limit");
    Objects.requireNonNull(backend, "backend");
    if (remaining < 0) {
      throw new IllegalArgumentException("remaining must not be negative: " + remaining);
    }
    if (resetAfterNanos < 0) {
      throw new IllegalArgumentException("resetAfterNanos must not be negative: " + resetAfterNanos);
    }
    if (retryAfterNanos < 0) {
      throw new IllegalArgumentException("retryAfterNanos must not be negative: " + retryAfterNanos);
    }
    if (allowed && retryAfterNanos != 0) {
      throw new IllegalArgumentException("retryAfterNanos must be 0 for an allowed request: " + retryAfterNanos);
    }
  }

  /**
   * Returns the time until {@link #limit()} is full again.
   *
   * @return {@link #resetAfterNanos()} as a duration
   */
  public Duration resetAfter() {
    return Duration.ofNanos(resetAfterNanos);
  }

  /**
   * Returns the time until the same request could succeed.
   *
   * @return {@link #retryAfterNanos()} as a duration; zero when allowed
   */
  public Duration retryAfter() {
    return Duration.ofNanos(retryAfterNanos);
  }

  /**
   * Returns the time until the same request could succeed in whole seconds rounded up, as the
   * {@code Retry-After} header wants it.
   *
   * @return 0 when allowed, otherwise at least 1
   */
  public long retryAfterSeconds() {
    if (allowed) {
      return 0;
    }
    return Math.max(1, ceilSeconds(retryAfterNanos));
  }

  /**
   * Returns the time until {@link #limit()} is full again in whole seconds rounded up (the {@code t}
   * parameter of the {@code RateLimit} header field).
   *
   * @return at least 0
   */
  public long resetAfterSeconds() {
    return ceilSeconds(resetAfterNanos);
  }

  private static long ceilSeconds(long nanos) {
    return -Math.floorDiv(-nanos, NANOS_PER_SECOND);
  }
}
