package dev.otto.ratelimit.local;

import dev.otto.ratelimit.Limit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The GCRA state of one policy and key: the TAT of each limit, swapped as a whole by compare-and-set so
 * that all limits are charged together and no lock is ever held.
 */
final class KeyState {

  private static final VarHandle TATS;

  static {
    try {
      TATS = MethodHandles.lookup().findVarHandle(KeyState.class, "tats", long[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * How long after its last use an entry is kept. Any TAT stored by that use lies at most τ ahead, so the
   * entry outlives its TAT; the extra second covers two uses whose expiry updates race in the cache.
   */
  private static final long KEEP_MARGIN_NANOS = 1_000_000_000L;

  final List<Limit> limits;
  final long keepNanos;
  @SuppressWarnings("unused") // accessed through TATS
  private volatile long @Nullable [] tats;

  KeyState(List<Limit> limits) {
    this(limits, null);
  }

  private KeyState(List<Limit> limits, long @Nullable [] tats) {
    this.limits = limits;
    this.tats = tats;
    long maxTolerance = 0;
    for (Limit limit : limits) {
      maxTolerance = Math.max(maxTolerance, limit.toleranceMicros());
    }
    this.keepNanos = maxTolerance * 1_000 + KEEP_MARGIN_NANOS;
  }

  long @Nullable [] tats() {
    return (long @Nullable []) TATS.getAcquire(this);
  }

  boolean compareAndSet(long @Nullable [] expected, long[] update) {
    return TATS.compareAndSet(this, expected, update);
  }

  /**
   * Returns the state for different limits under the same policy name, carrying over the TAT of every limit
   * with the same quota and period (as the Redis back end, whose keys are per quota and period, would).
   */
  KeyState translatedTo(List<Limit> newLimits) {
    long[] current = tats();
    if (current == null) {
      return new KeyState(newLimits);
    }
    long[] carried = new long[newLimits.size()];
    for (int i = 0; i < carried.length; i++) {
      Limit wanted = newLimits.get(i);
      for (int j = 0; j < limits.size(); j++) {
        Limit old = limits.get(j);
        if (old.quota() == wanted.quota() && old.period().equals(wanted.period())) {
          carried[i] = current[j];
        }
      }
    }
    return new KeyState(newLimits, carried);
  }
}
