package dev.otto.ratelimit.local;

import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The GCRA state of one policy name and key: the TAT of each limit, replaced by compare-and-set so that all
 * limits are charged together and no lock is ever held.
 *
 * <p>A policy with one limit (the usual case) keeps its TAT in a {@code long} field and decides without
 * allocating anything but the decision; a policy with several limits swaps an array of TATs as a whole.
 * {@link #NOTHING_STORED} marks a limit with no TAT yet: {@code max(NOTHING_STORED, now)} is {@code now},
 * exactly as an absent TAT is treated by {@link Gcra#evaluate} and the Redis script. A single limit that
 * several threads keep charging at once hands out its permits through {@link Leases} instead, which
 * allocate a lease per up to {@value Leases#MAX_SLOTS_PER_LEASE} permits.
 */
final class KeyState {

  /** The TAT of a limit nothing was stored for yet: earlier than any time. */
  static final long NOTHING_STORED = Long.MIN_VALUE;

  /** Failed compare-and-sets within {@link #CONTENTION_WINDOW_MICROS} that make a key lease. */
  private static final int CONTENDED_FAILURES = 8;
  private static final long CONTENTION_WINDOW_MICROS = 1_000;

  /** The stripe argument that stands for the calling thread's stripe. */
  private static final int CALLING_THREAD = -1;

  /** Stripes of {@link Leases} on this machine. */
  private static final int STRIPES = Leases.stripesForProcessors(Runtime.getRuntime().availableProcessors());

  private static final VarHandle TAT;
  private static final VarHandle TATS;
  private static final VarHandle LEASING;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      TAT = lookup.findVarHandle(KeyState.class, "tat", long.class);
      TATS = lookup.findVarHandle(KeyState.class, "tats", long[].class);
      LEASING = lookup.findVarHandle(KeyState.class, "leasing", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The name of the policy this state belongs to. */
  final String policy;
  final List<Limit> limits;
  /** T and τ of the only limit, in microseconds (0 when there are several limits). */
  private final long interval;
  private final long tolerance;
  private final int stripes;

  @SuppressWarnings("unused") // accessed through TAT; used when there is a single limit
  private volatile long tat;
  @SuppressWarnings("unused") // accessed through TATS; used when there are several limits
  private volatile long @Nullable [] tats;
  /**
   * For a single limit: the {@link Contention} seen lately, then the {@link Leases} once threads have been
   * seen to keep contending for it and its burst is large enough. One field for both keeps a key's state
   * small.
   */
  @SuppressWarnings("unused") // accessed through LEASING
  private volatile @Nullable Object leasing;

  KeyState(String policy, List<Limit> limits) {
    this(policy, limits, NOTHING_STORED, null, STRIPES);
  }

  /** For tests: a state whose leases, once started, have this many stripes (a power of two). */
  KeyState(String policy, List<Limit> limits, int stripes) {
    this(policy, limits, NOTHING_STORED, null, stripes);
  }

  private KeyState(String policy, List<Limit> limits, long tat, long @Nullable [] tats, int stripes) {
    this.policy = policy;
    this.stripes = stripes;
    this.limits = limits;
    if (limits.size() == 1) {
      Limit only = limits.get(0);
      this.interval = only.emissionIntervalMicros();
      this.tolerance = only.toleranceMicros();
    } else {
      this.interval = 0;
      this.tolerance = 0;
    }
    this.tat = tat;
    this.tats = tats;
  }

  /** Whether this is the state of the policy with this name (names are usually the very same string). */
  boolean belongsTo(String policyName) {
    return policy == policyName || policy.equals(policyName);
  }

  /** Whether this state was made for these limits (usually the very same list). */
  boolean hasLimits(List<Limit> wanted) {
    return limits == wanted || limits.equals(wanted);
  }

  /**
   * Decides a request at {@code now} (microseconds) and, when allowed, charges every limit.
   *
   * @return the decision, or {@code null} when another request changed the state meanwhile (try again)
   */
  @Nullable RateLimitDecision tryAcquire(long now, int permits) {
    return tryAcquire(now, permits, CALLING_THREAD);
  }

  /**
   * {@link #tryAcquire(long, int)} for a thread of the given stripe (tests play several threads with it), or
   * of the calling thread's with {@link #CALLING_THREAD}, which is only looked up when the key leases.
   */
  @Nullable RateLimitDecision tryAcquire(long now, int permits, int stripe) {
    if (interval != 0) {
      return tryAcquireSingle(now, permits, stripe);
    }
    long[] current = (long[]) TATS.getAcquire(this);
    Gcra.Verdict verdict = Gcra.evaluate(limits, current, now, permits);
    long[] update = verdict.newTats();
    if (update != null && !TATS.compareAndSet(this, current, update)) {
      return null;
    }
    return new RateLimitDecision(verdict.allowed(), verdict.remaining(), nanos(verdict.resetAfterMicros()),
        nanos(verdict.retryAfterMicros()), limits.get(verdict.decidingLimit()), RateLimitBackend.LOCAL);
  }

  /**
   * {@link Gcra#evaluate} for one limit, line by line, on the TAT field (a property test holds them equal).
   *
   * <p>The TAT is replaced by compare-and-set. When that keeps failing, threads are charging the key at the
   * same moment; if its burst is large enough, it then starts {@link Leases}, through which its requests
   * from then on go, so that threads stop writing one word on every request.
   */
  private @Nullable RateLimitDecision tryAcquireSingle(long now, int permits, int stripe) {
    long charge = permits * interval;
    if (LEASING.getAcquire(this) instanceof Leases leased) {
      int threadStripe = stripe == CALLING_THREAD ? Leases.stripeOfCurrentThread() : stripe;
      return leased.tryAcquire(now, charge, threadStripe);
    }
    long stored = (long) TAT.getAcquire(this);
    long newTat = Math.max(stored, now) + charge;
    if (newTat - now > tolerance) {
      return rejected(stored, now, charge);
    }
    if (TAT.compareAndSet(this, stored, newTat)) {
      return allowed(newTat - now);
    }
    contended(now);
    return null;
  }

  /**
   * Counts a failed compare-and-set, and starts leasing at the {@value #CONTENDED_FAILURES}th within
   * {@value #CONTENTION_WINDOW_MICROS} µs: a hot key gets there at once, while a key among thousands that
   * two threads happen to charge together now and then never does (leases would only make its decisions
   * touch more memory). A count lost to a race only delays leasing.
   */
  void contended(long now) {
    if (!leasable()) {
      return;
    }
    Object seen = LEASING.getAcquire(this);
    if (seen instanceof Leases) {
      return;
    }
    Contention lately = (Contention) seen;
    if (lately == null || now - lately.since() > CONTENTION_WINDOW_MICROS) {
      LEASING.compareAndSet(this, seen, new Contention(now, 1));
    } else if (lately.failures() + 1 < CONTENDED_FAILURES) {
      LEASING.compareAndSet(this, seen, new Contention(lately.since(), lately.failures() + 1));
    } else {
      startLeasing();
    }
  }

  /** Failed compare-and-sets on a single limit since a moment (µs). */
  private record Contention(long since, int failures) {
  }

  /** Whether the only limit has a burst large enough for {@link Leases} on this many stripes. */
  private boolean leasable() {
    return interval != 0 && tolerance / interval >= Leases.smallestBurst(stripes);
  }

  /** Starts leasing, if the burst allows it (tests call it to play contention). */
  void startLeasing() {
    Object seen = LEASING.getAcquire(this);
    if (leasable() && !(seen instanceof Leases)) {
      LEASING.compareAndSet(this, seen, new Leases(this, interval, tolerance, stripes));
    }
  }

  /** For tests: the leases, once started. */
  @Nullable Leases leases() {
    return LEASING.getAcquire(this) instanceof Leases leases ? leases : null;
  }

  /** The TAT of the single limit: where its free time line begins. */
  long storedTat() {
    return (long) TAT.getAcquire(this);
  }

  /** Replaces the TAT of the single limit if it is still {@code expected}. */
  boolean replaceTat(long expected, long update) {
    return TAT.compareAndSet(this, expected, update);
  }

  /** An allowed decision on the single limit that leaves the key's claims {@code ahead} of now. */
  RateLimitDecision allowed(long ahead) {
    return new RateLimitDecision(true, Math.max(0, (tolerance - ahead) / interval), nanos(ahead), 0,
        limits.get(0), RateLimitBackend.LOCAL);
  }

  /** The rejection on the single limit of a request of {@code charge} when its TAT is {@code stored}. */
  RateLimitDecision rejected(long stored, long now, long charge) {
    long tatNow = Math.max(stored, now);
    long ahead = tatNow + charge - now;
    long remaining = Math.max(0, Math.floorDiv(tolerance - (tatNow - now), interval));
    return new RateLimitDecision(false, remaining, nanos(tatNow - now), nanos(ahead - tolerance),
        limits.get(0), RateLimitBackend.LOCAL);
  }

  /**
   * Returns the state for different limits under the same policy name, carrying over the TAT of every limit
   * with the same quota and period (as the Redis back end, whose keys are per quota and period, would).
   */
  KeyState translatedTo(List<Limit> newLimits) {
    long[] current = currentTats();
    long[] carried = new long[newLimits.size()];
    for (int i = 0; i < carried.length; i++) {
      Limit wanted = newLimits.get(i);
      carried[i] = NOTHING_STORED;
      for (int j = 0; j < limits.size(); j++) {
        Limit old = limits.get(j);
        if (old.quota() == wanted.quota() && old.period().equals(wanted.period())) {
          carried[i] = current[j];
        }
      }
    }
    return carried.length == 1
        ? new KeyState(policy, newLimits, carried[0], null, stripes)
        : new KeyState(policy, newLimits, NOTHING_STORED, carried, stripes);
  }

  /** The TATs aligned with {@link #limits}, {@link #NOTHING_STORED} where none is stored. */
  long[] currentTats() {
    if (interval != 0) {
      return new long[] {(long) TAT.getAcquire(this)};
    }
    long[] current = (long[]) TATS.getAcquire(this);
    if (current != null) {
      return current;
    }
    long[] none = new long[limits.size()];
    Arrays.fill(none, NOTHING_STORED);
    return none;
  }

  private static long nanos(long micros) {
    return micros * 1_000;
  }
}
