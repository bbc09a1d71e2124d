package dev.otto.ratelimit.local;

import com.github.benmanes.caffeine.cache.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local limiter's default clock: the JVM's monotonic clock ({@link System#nanoTime()}) as read by a
 * background thread once per resolution, so that a decision reads a field instead of the system clock. In a
 * virtual machine one read of the system clock costs about as much as a Caffeine lookup, and was a third
 * of a whole decision.
 *
 * <p>A read lags real time by about one resolution at most (longer only while the machine does not run the
 * thread), never runs ahead of it and never goes back. The thread runs only while the clock is read: once a
 * whole resolution passes without a read it waits, and the next read takes the system clock itself and
 * wakes it, so an idle limiter costs nothing. The thread ends when the clock is {@linkplain #close()
 * closed} or its owner is unreachable (it holds the owner weakly, and checks every second while it waits);
 * from then on, and if the thread cannot be started, every read takes the system clock itself.
 *
 * <p>While it ticks, the thread also runs the limiter's cache maintenance ({@link #nextTick()}): Caffeine
 * schedules it every few hundred decisions, and handing it to a sleeping pool thread cost the deciding
 * thread a quarter of its time (the wake-up is a system call), more than the maintenance itself.
 *
 * <p>Thread-safe. A read is a volatile read, plus a write in the first reads after each tick (telling the
 * thread that the clock is in use).
 */
final class TickingClock implements Ticker, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TickingClock.class);

  /** How often a waiting thread checks whether its owner is still reachable. */
  private static final long IDLE_CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final VarHandle NANOS;
  private static final VarHandle TICKING;
  private static final VarHandle PENDING;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      NANOS = lookup.findVarHandle(TickingClock.class, "nanos", long.class);
      TICKING = lookup.findVarHandle(TickingClock.class, "ticking", boolean.class);
      PENDING = lookup.findVarHandle(TickingClock.class, "pending", Runnable.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final long resolutionNanos;
  private final WeakReference<Object> owner;
  private final Thread thread;

  /** The latest system-clock time read, by the thread or by a waking read; only ever moves forward. */
  private volatile long nanos;
  /** Whether the thread is advancing {@link #nanos}; set by the read that wakes it, cleared by the thread. */
  private volatile boolean ticking;
  /** Whether the clock was read since the thread's last tick. */
  private volatile boolean used;
  /** Closed, or the thread could not be started or has ended: every read takes the system clock. */
  private volatile boolean exact;
  /** A task handed to the thread for its next tick, or null. */
  @SuppressWarnings("unused") // accessed through PENDING
  private volatile @Nullable Runnable pending;

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
    // No inherited thread locals and no context class loader: the thread pins nothing of its creator's.
    this.thread = new Thread(null, this::tick, "otto-ratelimit-clock", 0, false);
    thread.setDaemon(true);
    thread.setContextClassLoader(null);
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

  /**
   * Returns an executor that runs a task on this clock's thread at its next tick, within about one
   * resolution, instead of waking another thread for it: meant for a cache's maintenance, which its reads
   * schedule often and which may wait that long. A task the thread cannot take (it waits, has ended, or
   * already holds another task) goes to the common fork-join pool instead.
   */
  Executor nextTick() {
    return this::runOnNextTick;
  }

  /** Ends the thread; reads then take the system clock. Idempotent. */
  @Override
  public void close() {
    exact = true;
    LockSupport.unpark(thread);
  }

  /** How often the thread reads the system clock while the clock is in use. */
  Duration resolution() {
    return Duration.ofNanos(resolutionNanos);
  }

  /** Whether the thread is advancing the clock (for tests). */
  boolean isTicking() {
    return ticking;
  }

  /** Whether the thread has ended (for tests). */
  boolean hasEnded() {
    return thread.getState() == Thread.State.TERMINATED;
  }

  /** A read while the thread waits (or before it started, or after it ended): exact, and wakes the thread. */
  private long wake() {
    long now = System.nanoTime();
    if (exact) {
      return now;
    }
    used = true;
    advanceTo(now); // before the flag, so that reads which see the clock ticking see a current time
    if (TICKING.compareAndSet(this, false, true)) {
      // Only the read that sets the flag gets here, and only the thread clears it: one start, then unparks.
      try {
        if (thread.getState() == Thread.State.NEW) {
          thread.start();
        } else {
          LockSupport.unpark(thread);
        }
      } catch (OutOfMemoryError | RuntimeException e) {
        // No thread (the JVM may be out of native threads): decide on exact reads, not a frozen clock.
        exact = true;
        ticking = false;
        LOG.warn("Cannot start the local rate limiter's clock thread; decisions read the system clock each", e);
      }
      if (!thread.isAlive()) {
        // It ended meanwhile (closed, or its owner was collected): nobody would advance the clock, nor run a
        // task handed over while the flag was set.
        exact = true;
        ticking = false;
        runPending();
      }
    }
    return now;
  }

  private void runOnNextTick(Runnable task) {
    if (ticking && (pending == task || PENDING.compareAndSet(this, null, task))) {
      // The thread runs whatever is pending before it stops ticking, and looks again after; if it stopped
      // before that look, it may have missed the task: take it back unless it ran.
      if (ticking || !PENDING.compareAndSet(this, task, null)) {
        return;
      }
    }
    ForkJoinPool.commonPool().execute(task);
  }

  private void runPending() {
    Runnable task = (Runnable) PENDING.getAndSet(this, null);
    if (task != null) {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        LOG.warn("A task on the local rate limiter's clock thread failed", e);
      }
    }
  }

  private void advanceTo(long now) {
    long seen;
    do {
      seen = nanos;
    } while (now - seen > 0 && !NANOS.compareAndSet(this, seen, now));
  }

  private void tick() {
    try {
      while (!exact && owner.get() != null) {
        runPending();
        advanceTo(System.nanoTime());
        if (used) {
          used = false;
          LockSupport.parkNanos(this, resolutionNanos);
        } else {
          // A whole resolution without a read: wait until a read sets the flag again and wakes this thread.
          ticking = false;
          runPending();
          while (!ticking && !exact && owner.get() != null) {
            LockSupport.parkNanos(this, IDLE_CHECK_NANOS);
          }
        }
      }
    } finally {
      // However the thread ends, reads must not see a clock that no longer moves.
      exact = true;
      ticking = false;
      runPending();
    }
  }
}
