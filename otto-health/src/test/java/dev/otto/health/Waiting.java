package dev.otto.health;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waiting in tests without sleeping: polls a condition, always bounded by a deadline. */
public final class Waiting {

  private Waiting() {
  }

  /**
   * Polls {@code condition} every 10 ms until it holds; fails with {@code description} once
   * {@code deadline} has passed.
   */
  public static void awaitTrue(Duration deadline, String description, BooleanSupplier condition) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("not within " + deadline + ": " + description);
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }

  /** Returns how long {@code action} took, in real time. */
  public static Duration timed(Runnable action) {
    long start = System.nanoTime();
    action.run();
    return Duration.ofNanos(System.nanoTime() - start);
  }
}
