package dev.otto.ratelimit.redis;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connection losses of one limiter. A script call that fails with an I/O error means its connection
 * broke, and then no call sent on it before can still be answered; Lettuce fails those only once its I/O
 * thread has processed the disconnect, which on a busy thread took 15–30 ms after the error. So a loss is
 * counted here, and calls still waiting give up at once instead:
 * <ul>
 *   <li>a synchronous caller reads the {@linkplain #count() count} before sending and gives up when it
 *       moved;
 *   <li>an asynchronous call {@linkplain #await(Waiter) waits here} while in flight and is told when a loss
 *       is counted after it was sent.
 * </ul>
 * Thread-safe; registering costs a concurrent set's add and remove per asynchronous call.
 */
final class ConnectionLosses {

  /** An asynchronous call in flight. */
  interface Waiter {

    /** The {@linkplain #count() count} read before the call was sent. */
    long lossesAtSend();

    /** Its connection broke: fail the call (on the thread that saw the I/O error). */
    void connectionBroke();
  }

  private final AtomicLong count = new AtomicLong();
  private final Set<Waiter> waiting = ConcurrentHashMap.newKeySet();

  /** How many losses were counted so far. */
  long count() {
    return count.get();
  }

  /** Tells the waiter of every loss counted from now on until {@link #done(Waiter)}. */
  void await(Waiter waiter) {
    waiting.add(waiter);
  }

  /** The waiter's call is complete. */
  void done(Waiter waiter) {
    waiting.remove(waiter);
  }

  /** Counts a loss and tells every waiter whose call was sent before it. */
  void lost() {
    long losses = count.incrementAndGet();
    for (Waiter waiter : waiting) {
      if (waiter.lossesAtSend() < losses) {
        waiter.connectionBroke();
      }
    }
  }
}
