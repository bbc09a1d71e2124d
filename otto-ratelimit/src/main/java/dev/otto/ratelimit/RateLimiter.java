package dev.otto.ratelimit;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Decides whether a request identified by a key may proceed under a {@link RateLimitPolicy}.
 *
 * <p>Every implementation runs the same GCRA semantics (see {@link Limit}), checks all limits of the policy
 * in one step and charges them all or none, and is thread-safe. State is kept per
 * {@linkplain RateLimitPolicy#storageKey(String) policy name and key}.
 *
 * <pre>{@code
 * RateLimitDecision decision = limiter.tryAcquire(clientIp, policy);
 * if (!decision.allowed()) {
 *   response.setHeader("Retry-After", Long.toString(decision.retryAfterSeconds()));
 *   response.setStatus(429);
 * }
 * }</pre>
 *
 * <p>Failure: invalid arguments throw {@link IllegalArgumentException} or {@link NullPointerException}
 * at once, even from {@link #tryAcquireAsync}. A limiter backed by a remote store reports an unavailable
 * store with {@link RateLimiterUnavailableException}; the local and fallback limiters never do.
 */
public interface RateLimiter {

  /**
   * Asks for one permit.
   *
   * @param key what is limited (client IP, API key, user id, …); any content, long keys are digested
   * @param policy the limits to check
   * @return the decision
   * @throws RateLimiterUnavailableException when the limiter's store could not decide in time
   */
  default RateLimitDecision tryAcquire(String key, RateLimitPolicy policy) {
    return tryAcquire(key, policy, 1);
  }

  /**
   * Asks for {@code permits} permits at once; they are all granted or none.
   *
   * @param key what is limited; any content, long keys are digested
   * @param policy the limits to check
   * @param permits at least 1 and at most {@link RateLimitPolicy#maxPermits()}
   * @return the decision
   * @throws IllegalArgumentException when permits is out of range
   * @throws RateLimiterUnavailableException when the limiter's store could not decide in time
   */
  RateLimitDecision tryAcquire(String key, RateLimitPolicy policy, int permits);

  /**
   * Asks for {@code permits} permits without blocking the caller on I/O. The default decides synchronously
   * and returns a completed stage; the Redis limiter sends the script call and completes the stage on a
   * Redis I/O thread, so dependent stages must not block.
   *
   * @param key what is limited; any content, long keys are digested
   * @param policy the limits to check
   * @param permits at least 1 and at most {@link RateLimitPolicy#maxPermits()}
   * @return a stage completed with the decision, or exceptionally with
   *     {@link RateLimiterUnavailableException} when the store could not decide in time
   * @throws IllegalArgumentException when permits is out of range (thrown, not stored in the stage)
   */
  default CompletionStage<RateLimitDecision> tryAcquireAsync(String key, RateLimitPolicy policy, int permits) {
    policy.requirePermits(permits);
    try {
      return CompletableFuture.completedFuture(tryAcquire(key, policy, permits));
    } catch (RateLimiterUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Returns the policy whose limits a decision of this limiter was made under, so that callers can
   * advertise the limits in force (the rate-limit filter's {@code RateLimit-Policy} field does): the
   * {@code policy} asked for, unless the limiter decides under other limits at times, as a fallback limiter
   * does while Redis is unreachable.
   *
   * <p>A limiter that wraps another delegates this call too, or its callers advertise only the limit that
   * decided.
   *
   * @param policy the policy the decision was asked for
   * @param decision a decision this limiter made for it
   * @return the policy applied: same name, and among its limits the decision's {@link RateLimitDecision#limit()};
   *     {@code policy} itself when it was applied
   */
  default RateLimitPolicy appliedPolicy(RateLimitPolicy policy, RateLimitDecision decision) {
    return policy;
  }
}
