package dev.otto.idempotency;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by an {@link IdempotencyStore} that cannot answer: unreachable, timed out, or holding data it
 * cannot read. The filter answers {@code 503} and does not run the handler when a claim fails this way.
 */
public class IdempotencyStoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what failed, naming the store and operation, never a request's key or body
   * @param cause the underlying failure, if any
   */
  public IdempotencyStoreException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
