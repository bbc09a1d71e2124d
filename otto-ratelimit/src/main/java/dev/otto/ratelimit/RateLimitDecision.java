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
 *   <li>{@code resetAfter}: time until the limit is completely replenished;
 *   <li>{@code retryAfter}: {@link Duration#ZERO} when allowed, otherwise the time until the same request
 *       could succeed.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 *
 * @param allowed whether the request may proceed
 * @param remaining requests left in {@code limit} after this decision, never negative
 * @param resetAfter time until {@code limit} is full again, never negative
 * @param retryAfter zero when allowed, else the positive time until the request could succeed
 * @param limit the limit that decided
 * @param backend the store that decided
 */
public record RateLimitDecision(
    boolean allowed, long remaining, Duration resetAfter, Duration retryAfter, Limit limit,
    RateLimitBackend backend) {

  /**
   * Validates the decision.
   *
   * @param allowed whether the request may proceed
   * @param remaining requests left in {@code limit}, not negative
   * @param resetAfter time until {@code limit} is full again, not negative
   * @param retryAfter zero when allowed, else not negative
   * @param limit the limit that decided
   * @param backend the store that decided
   * @throws IllegalArgumentException when a value is negative, or retryAfter is not zero for an allowed
   *     request
   * @throws NullPointerException when a reference is null
   */
  public RateLimitDecision {
    Objects.requireNonNull(resetAfter, "resetAfter");
    Objects.requireNonNull(retryAfter, "retryAfter");
    Objects.requireNonNull(limit, "limit");
    Objects.requireNonNull(backend, "backend");
    if (remaining < 0) {
      throw new IllegalArgumentException("remaining must not be negative: " + remaining);
    }
    if (resetAfter.isNegative()) {
      throw new IllegalArgumentException("resetAfter must not be negative: " + resetAfter);
    }
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
    }
    if (allowed && !retryAfter.isZero()) {
      throw new IllegalArgumentException("retryAfter must be zero for an allowed request: " + retryAfter);
    }
  }

  /**
   * Returns {@link #retryAfter()} in whole seconds rounded up, as the {@code Retry-After} header wants it.
   *
   * @return 0 when allowed, otherwise at least 1
   */
  public long retryAfterSeconds() {
    if (allowed) {
      return 0;
    }
    return Math.max(1, ceilSeconds(retryAfter));
  }

  /**
   * Returns {@link #resetAfter()} in whole seconds rounded up (the {@code t} parameter of the
   * {@code RateLimit} header field).
   *
   * @return at least 0
   */
  public long resetAfterSeconds() {
    return ceilSeconds(resetAfter);
  }

  private static long ceilSeconds(Duration duration) {
    return duration.getNano() == 0 ? duration.getSeconds() : duration.getSeconds() + 1;
  }
}
