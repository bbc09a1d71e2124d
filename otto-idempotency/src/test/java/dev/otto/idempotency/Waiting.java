package dev.otto.idempotency;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waiting in tests without sleeping: parks until real time has passed or a condition holds, always bounded
 * by a deadline.
 */
public final class Waiting {

  private Waiting() {
  }

  /** Returns once at least {@code duration} of real time has passed. */
  public static void awaitElapsed(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    for (long left = duration.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  /**
   * Polls {@code condition} every 20 ms until it holds; fails with {@code description} once
   * {@code deadline} has passed.
   *
   * @return how long it took
   */
  public static Duration awaitTrue(Duration deadline, String description, BooleanSupplier condition) {
    long start = System.nanoTime();
    long end = start + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("not within " + deadline + ": " + description);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }
}
