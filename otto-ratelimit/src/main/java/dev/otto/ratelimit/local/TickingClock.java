package dev.otto.ratelimit.local;

import com.github.benmanes.caffeine.cache.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The local limiter's default clock: the JVM's monotonic clock ({@link System#nanoTime()}) as read by a
 * background thread once per resolution, so that a decision reads a field instead of the system clock. In a
 * virtual machine one read of the system clock costs about as much as a Caffeine lookup, and was a third
 * of a whole decision.
 *
 * <p>A read lags real time by about one resolution at most (longer only while the machine does not run the
 * thread) and never runs ahead of it. The thread runs only while decisions read the clock: once a whole
 * resolution passes without a read it waits, and the next read takes the system clock itself and wakes it,
 * so an idle limiter costs nothing. The thread holds its owner weakly and ends once the owner is
 * unreachable.
 *
 * <p>Thread-safe. A read is a volatile read, plus at most one write per resolution (to tell the thread
 * that the clock is in use).
 */
final class TickingClock implements Ticker {

  /** How often a waiting thread checks whether its owner is still reachable. */
  private static final long IDLE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final VarHandle TICKING;

  static {
    try {
      TICKING = MethodHandles.lookup().findVarHandle(TickingClock.class, "ticking", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long resolutionNanos;
  private final WeakReference<Object> owner;
  private final Thread thread;

  /** The system clock as the thread last read it. */
  private volatile long nanos;
  /** Whether the thread is advancing {@link #nanos}; set by the read that wakes it, cleared by the thread. */
  private volatile boolean ticking;
  /** Whether the clock was read since the thread's last tick. */
  private volatile boolean used;

  /**
   * A clock for {@code owner}; its thread starts with the first read.
   *
   * @param resolution how often the thread reads the system clock while the clock is in use; positive
   */
  TickingClock(Object owner, Duration resolution) {
    this.resolutionNanos = resolution.toNanos();
    if (resolutionNanos <= 0) {
      throw new IllegalArgumentException("resolution must be positive: " + resolution);
    }
    this.owner = new WeakReference<>(owner);
    this.nanos = System.nanoTime();
    this.thread = new Thread(this::tick, "otto-ratelimit-clock");
    thread.setDaemon(true);
  }

  /** Nanoseconds on the JVM's monotonic time line, up to about one resolution late. */
  @Override
  public long read() {
    if (ticking) {
      if (!used) {
        used = true;
      }
      return nanos;
    }
    return wake();
  }

  /** Whether the thread is advancing the clock (for tests). */
  boolean isTicking() {
    return ticking;
  }

  /** Whether the thread has ended (for tests). */
  boolean hasEnded() {
    return thread.getState() == Thread.State.TERMINATED;
  }

  /** The first read while the thread waits (or before it started): exact, and wakes the thread. */
  private long wake() {
    long now = System.nanoTime();
    used = true;
    nanos = now; // published with the flag below, so readers that see it ticking see a current time
    if (TICKING.compareAndSet(this, false, true)) {
      // Only the read that sets the flag gets here, and only the thread clears it: one start, then unparks.
      switch (thread.getState()) {
        case NEW -> thread.start();
        // Only once the owner is unreachable, when nobody reads: stay exact rather than stale.
        case TERMINATED -> ticking = false;
        default -> LockSupport.unpark(thread);
      }
    }
    return now;
  }

  private void tick() {
    while (owner.get() != null) {
      nanos = System.nanoTime();
      if (used) {
        used = false;
        LockSupport.parkNanos(this, resolutionNanos);
      } else {
        // A whole resolution without a read: wait until a read sets the flag again and wakes this thread.
        ticking = false;
        while (!ticking && owner.get() != null) {
          LockSupport.parkNanos(this, IDLE_CHECK_NANOS);
        }
      }
    }
    ticking = false;
  }
}
