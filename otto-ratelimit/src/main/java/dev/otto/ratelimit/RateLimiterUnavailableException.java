package dev.otto.ratelimit;

import java.io.Serial;

/**
 * Thrown (or used to complete a stage exceptionally) when a limiter's store cannot decide: Redis timed out,
 * the connection is down, or Redis answered with an error.
 *
 * <p>A {@linkplain RateLimiter limiter} that never depends on a remote store never throws it; a fallback
 * limiter catches it and decides without Redis. Callers that use a Redis limiter directly should treat it
 * as "dependency unavailable" (for example a 503), never as a client error.
 */
public final class RateLimiterUnavailableException extends RuntimeException {

  @Serial
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was attempted and why it failed, without key material
   * @param cause the underlying failure, if any
   */
  public RateLimiterUnavailableException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
    super(message, cause);
  }
}
