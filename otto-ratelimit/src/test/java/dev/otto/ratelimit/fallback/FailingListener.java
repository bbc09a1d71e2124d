package dev.otto.ratelimit.fallback;

import dev.otto.ratelimit.RateLimitListener;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/** A listener with a bug: it throws when told that the fallback engaged. */
final class FailingListener implements RateLimitListener {

  private final @Nullable RuntimeException exception;
  private final @Nullable Error error;

  private FailingListener(@Nullable RuntimeException exception, @Nullable Error error) {
    this.exception = exception;
    this.error = error;
  }

  /** Throws {@code IllegalStateException}, the kind of failure listener calls have always caught. */
  static FailingListener throwingAnException() {
    return new FailingListener(new IllegalStateException("listener bug"), null);
  }

  /** Throws {@code AssertionError}, an {@link Error} that is a bug in the listener, not in the JVM. */
  static FailingListener throwingAnError() {
    return new FailingListener(null, new AssertionError("listener bug"));
  }

  @Override
  public void onFallbackEngaged(Throwable cause) {
    if (error != null) {
      throw error;
    }
    throw Objects.requireNonNull(exception);
  }
}
