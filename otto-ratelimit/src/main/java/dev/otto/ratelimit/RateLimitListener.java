package dev.otto.ratelimit;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Observes a limiter: the fallback's state changes and the Redis limiter's script calls. Every method has
 * an empty default, so implement only what you need.
 *
 * <p>Threading: methods are called on whichever thread made the observation (a request thread, a Redis
 * I/O thread or the probe scheduler), possibly concurrently, so implementations must be thread-safe, fast
 * and non-blocking. An exception thrown by a listener is logged and does not affect the decision.
 */
public interface RateLimitListener {

  /**
   * Called once when the fallback stops using Redis (its breaker opens).
   *
   * @param cause the failure that tripped it, typically a {@link RateLimiterUnavailableException}
   */
  default void onFallbackEngaged(Throwable cause) {
  }

  /**
   * Called once when a probe succeeded and the fallback uses Redis again.
   *
   * @param degradedFor how long decisions were made without Redis
   */
  default void onFallbackRecovered(Duration degradedFor) {
  }

  /**
   * Called once when the fallback limiter is closed while it decides without Redis: after
   * {@link #onFallbackEngaged} and instead of {@link #onFallbackRecovered}, since a closed fallback stops
   * probing and will never report a recovery. From then on it no longer counts as degraded. Not called
   * when it is closed while using Redis.
   *
   * @param degradedFor how long decisions were made without Redis until the close
   */
  default void onFallbackLimiterClosed(Duration degradedFor) {
  }

  /**
   * Called after every script call of the Redis limiter, successful or not, including probes.
   *
   * @param latency time from sending the call to its completion or timeout
   * @param failure {@code null} on success, otherwise the {@link RateLimiterUnavailableException} the call
   *     failed with
   */
  default void onRedisCall(Duration latency, @Nullable Throwable failure) {
  }

  /**
   * Called for every decision the servlet {@code RateLimitFilter} makes, on the request thread, before
   * the request proceeds or is rejected.
   *
   * @param policy the policy that was checked
   * @param decision the limiter's decision
   * @param shadow {@code true} when the rule is in shadow mode: the decision was observed only, and a
   *     rejection did not stop the request
   */
  default void onDecision(RateLimitPolicy policy, RateLimitDecision decision, boolean shadow) {
  }
}
