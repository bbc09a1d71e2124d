package dev.otto.ratelimit.local;

import dev.otto.ratelimit.RateLimitDecision;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

/**
 * The leases of one key on one limit that several threads charge at once, so that they do not all write
 * its TAT on every request.
 *
 * <p>A key's time line from its TAT on is free; every permit ever granted holds a range of it of one
 * emission interval per permit, and no two ranges overlap. A lease is such a range, claimed from the TAT in
 * one compare-and-set by a stripe (threads are spread over the stripes by their id). Requests of that
 * stripe then take permits from the front of the lease, each by a compare-and-set on the lease's cursor,
 * which stays in that core's cache instead of moving between cores on every request. A permit is taken
 * exactly as GCRA takes it from a TAT: at {@code max(cursor, now)}, allowed only if it ends within the lease
 * and within the tolerance of now. So every permit still holds a range of its own that starts no earlier
 * than the request and ends within the tolerance: in any time window no more is granted than GCRA grants.
 *
 * <p>A lease is as long as a quarter of what the key has left, shared among the stripes, and at most
 * {@value #MAX_SLOTS_PER_LEASE} intervals: far from its limit a key's TAT is written once per hundreds of
 * requests, and nearer to it leases shrink, until requests charge the TAT directly again and its last
 * permits go exactly once each. What a lease holds back must not be lost:
 * <ul>
 *   <li>A stripe whose lease cannot serve a request closes it, and gives back what it did not use when
 *       nothing was claimed after it. A key charged by one thread at a time therefore decides exactly as
 *       GCRA does (a property test holds them equal).
 *   <li>Before rejecting, a request takes what is left in the other stripes' leases.
 * </ul>
 * Under contention, what is left when a request needs more permits than any one lease still holds, or what
 * a lease holds while its time passes unused, is not granted: a key can then get a few permits less than
 * GCRA would give it, never more. The remaining count of an allowed request counts the rest of the other
 * stripes' leases as taken.
 */
final class Leases {

  /** The most emission intervals one lease covers. */
  static final int MAX_SLOTS_PER_LEASE = 256;

  /**
   * Array elements between two stripes' leases: a cache line of 64 bytes or more, so that a stripe that
   * replaces its lease does not take the line from the others.
   */
  private static final int SPACING = 16;

  /** The most stripes: with more, more permits wait in leases and keys need a larger burst to lease. */
  private static final int MAX_STRIPES = 16;

  /** A lease is at most what the key has left divided by this and by the number of stripes. */
  private static final int SHARE = 4;

  /** A failed take: no lease range or TAT is ever this early. */
  static final long NONE = Long.MIN_VALUE;

  private static final VarHandle LEASES = MethodHandles.arrayElementVarHandle(Lease[].class);

  private final KeyState key;
  private final long interval;
  private final long tolerance;
  private final int stripes;
  private final Lease[] leases;
  /** In a stripe's place while a thread of the stripe leases: closed, so nothing is taken from it. */
  private final Lease reserved = Lease.closed();

  /** Leases for the single limit of a key, with T and τ in microseconds, on {@code stripes} (a power of two). */
  Leases(KeyState key, long interval, long tolerance, int stripes) {
    this.key = key;
    this.interval = interval;
    this.tolerance = tolerance;
    this.stripes = stripes;
    this.leases = new Lease[stripes * SPACING];
  }

  /** Stripes for this machine: one per processor, as a power of two from 2 to {@value #MAX_STRIPES}. */
  static int stripesForProcessors(int processors) {
    int wanted = Math.max(2, Math.min(MAX_STRIPES, processors));
    return Integer.highestOneBit(wanted - 1) << 1;
  }

  /**
   * The smallest burst that leases on this many stripes, one with which each stripe can lease 16: smaller
   * bursts would have leases too short to pay for themselves.
   */
  static long smallestBurst(int stripes) {
    return 16L * SHARE * stripes;
  }

  /** The stripe of the calling thread. */
  static int stripeOfCurrentThread() {
    @SuppressWarnings("deprecation") // threadId() is Java 19+; getId() returns the same value
    long id = Thread.currentThread().getId();
    return (int) id;
  }

  /**
   * Decides a request of {@code charge} microseconds at {@code now} for a thread of {@code stripe}.
   *
   * @return the decision, or {@code null} when another request changed the TAT meanwhile (try again)
   */
  @Nullable RateLimitDecision tryAcquire(long now, long charge, int stripe) {
    int home = placeOf(stripe);
    Lease own = (Lease) LEASES.getAcquire(leases, home);
    if (own != null && own != reserved) {
      long next = own.take(now, charge, tolerance);
      if (next != NONE) {
        return granted(own, next, now);
      }
      long unused = own.close();
      if (unused != NONE) {
        key.replaceTat(own.end, unused);
      }
    }
    long stored = key.storedTat();
    long tatNow = Math.max(stored, now);
    long newTat = tatNow + charge;
    long ahead = newTat - now;
    if (ahead > tolerance) {
      return takeFromOtherStripes(now, charge, home, stored);
    }
    long slots = Math.min(MAX_SLOTS_PER_LEASE, (tolerance - ahead) / interval / SHARE / stripes);
    long end = tatNow + slots * interval;
    // The stripe's place is reserved before the range is claimed, so that two threads of one stripe never
    // both lease and one lease is left where no request can find it; the other charges the TAT directly.
    if (end <= newTat || own == reserved || !LEASES.compareAndSet(leases, home, own, reserved)) {
      return key.replaceTat(stored, newTat) ? key.allowed(ahead) : null;
    }
    if (!key.replaceTat(stored, end)) {
      LEASES.setRelease(leases, home, own);
      return null;
    }
    Lease fresh = new Lease(newTat, end);
    LEASES.setRelease(leases, home, fresh);
    return granted(fresh, newTat, now);
  }

  /** The last chance of a request the TAT has no room for: what another stripe's lease has left. */
  private RateLimitDecision takeFromOtherStripes(long now, long charge, int home, long stored) {
    for (int index = 0; index < leases.length; index += SPACING) {
      Lease lease = index == home ? null : (Lease) LEASES.getAcquire(leases, index);
      if (lease != null) {
        long next = lease.take(now, charge, tolerance);
        if (next != NONE) {
          return granted(lease, next, now);
        }
      }
    }
    return key.rejected(stored, now, charge);
  }

  /**
   * The decision of a request granted up to {@code next} from a lease: what the key has left counts the
   * rest of every lease but this one as taken, and is exactly GCRA's when this lease is the last claim.
   */
  private RateLimitDecision granted(Lease lease, long next, long now) {
    long claimed = Math.max(next, key.storedTat() - (lease.end - next));
    return key.allowed(claimed - now);
  }

  /** For tests: the lease of a stripe, or null. */
  @Nullable Lease leaseOf(int stripe) {
    return (Lease) LEASES.getAcquire(leases, placeOf(stripe));
  }

  /** The index in {@link #leases} of a stripe's lease. */
  private int placeOf(int stripe) {
    return (stripe & (stripes - 1)) * SPACING;
  }

  /** A range of a key's time line, {@code [cursor, end)} still free, taken from the front. */
  static final class Lease {

    /** The cursor of a closed lease: nothing more can be taken from it. */
    private static final long CLOSED = Long.MAX_VALUE;
    private static final VarHandle CURSOR;

    static {
      try {
        CURSOR = MethodHandles.lookup().findVarHandle(Lease.class, "cursor", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    final long end;
    @SuppressWarnings("unused") // accessed through CURSOR
    private volatile long cursor;

    Lease(long cursor, long end) {
      this.cursor = cursor;
      this.end = end;
    }

    static Lease closed() {
      return new Lease(CLOSED, NONE);
    }

    /** Takes {@code charge} as GCRA would at {@code now}; returns the new cursor, or {@link #NONE}. */
    long take(long now, long charge, long tolerance) {
      while (true) {
        long current = (long) CURSOR.getAcquire(this);
        if (current == CLOSED) {
          return NONE;
        }
        long next = Math.max(current, now) + charge;
        if (next > end || next - now > tolerance) {
          return NONE;
        }
        if (CURSOR.compareAndSet(this, current, next)) {
          return next;
        }
      }
    }

    /** Closes the lease; returns where its unused part began, or {@link #NONE} when it was closed already. */
    long close() {
      long last = (long) CURSOR.getAndSet(this, CLOSED);
      return last == CLOSED ? NONE : last;
    }

    /** For tests: where the unused part begins, or {@link #NONE} when closed. */
    long cursor() {
      long current = (long) CURSOR.getAcquire(this);
      return current == CLOSED ? NONE : current;
    }
  }
}
