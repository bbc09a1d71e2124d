package dev.otto.health;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A check action that counts its runs and blocks each run until the gate is opened (or for at most a
 * minute, so a forgotten gate cannot wedge the test JVM). Open it when the test ends.
 */
public final class Gate implements CheckAction {

  private final CountDownLatch open = new CountDownLatch(1);
  private final CountDownLatch entered = new CountDownLatch(1);
  private final AtomicInteger runs = new AtomicInteger();

  @Override
  public @Nullable Map<String, ?> run(Duration timeout) throws InterruptedException {
    runs.incrementAndGet();
    entered.countDown();
    if (!open.await(1, TimeUnit.MINUTES)) {
      throw new IllegalStateException("gate never opened");
    }
    return null;
  }

  /** Lets every blocked and future run return {@code UP}. */
  public void open() {
    open.countDown();
  }

  /** Waits until a run has started. */
  public void awaitEntered() throws InterruptedException {
    if (!entered.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("no run started within 10 s");
    }
  }

  /** How many runs have started. */
  public int runs() {
    return runs.get();
  }
}
