package dev.otto.ratelimit.servlet;

import java.io.Serial;

/**
 * Thrown by a {@link KeyResolver} when the request carries a key that cannot be used, for example an API
 * key header with control characters; the {@link RateLimitFilter} then answers {@code 400} with the problem
 * type {@code https://otto.dev/problems/invalid-rate-limit-key}.
 *
 * <p>The message is logged at DEBUG and never sent to the client; it must not contain the key itself,
 * which is untrusted input.
 */
public final class InvalidRateLimitKeyException extends RuntimeException {

  @Serial
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is wrong with the key, without the key
   */
  public InvalidRateLimitKeyException(String message) {
    super(message, null, false, false);
  }
}
