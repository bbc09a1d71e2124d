package dev.otto.ratelimit.local;

import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The GCRA state of one policy name and key: the TAT of each limit, replaced by compare-and-set so that all
 * limits are charged together and no lock is ever held.
 *
 * <p>A policy with one limit (the usual case) keeps its TAT in a {@code long} field and decides without
 * allocating anything but the decision; a policy with several limits swaps an array of TATs as a whole.
 * {@link #NOTHING_STORED} marks a limit with no TAT yet: {@code max(NOTHING_STORED, now)} is {@code now},
 * exactly as an absent TAT is treated by {@link Gcra#evaluate} and the Redis script.
 */
final class KeyState {

  /** The TAT of a limit nothing was stored for yet: earlier than any time. */
  static final long NOTHING_STORED = Long.MIN_VALUE;

  /**
   * How many charges a key must still have room for before requests charge it with an atomic add instead
   * of a compare-and-set: that many requests would have to charge it between one request's read and its
   * add for the add to overshoot the limit.
   */
  static final int COMMUTING_CHARGES = 64;

  private static final VarHandle TAT;
  private static final VarHandle TATS;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      TAT = lookup.findVarHandle(KeyState.class, "tat", long.class);
      TATS = lookup.findVarHandle(KeyState.class, "tats", long[].class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The name of the policy this state belongs to. */
  final String policy;
  final List<Limit> limits;
  /** The only limit, or null when there are several. */
  private final @Nullable Limit single;
  /** T and τ of {@link #single}, in microseconds (0 when there are several limits). */
  private final long interval;
  private final long tolerance;

  @SuppressWarnings("unused") // accessed through TAT; used when there is a single limit
  private volatile long tat;
  @SuppressWarnings("unused") // accessed through TATS; used when there are several limits
  private volatile long @Nullable [] tats;

  KeyState(String policy, List<Limit> limits) {
    this(policy, limits, NOTHING_STORED, null);
  }

  private KeyState(String policy, List<Limit> limits, long tat, long @Nullable [] tats) {
    this.policy = policy;
    this.limits = limits;
    if (limits.size() == 1) {
      Limit only = limits.get(0);
      this.single = only;
      this.interval = only.emissionIntervalMicros();
      this.tolerance = only.toleranceMicros();
    } else {
      this.single = null;
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
    Limit only = single;
    if (only != null) {
      return tryAcquireSingle(only, (long) TAT.getAcquire(this), now, permits);
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
   * <p>A key far from its limit ({@value #COMMUTING_CHARGES} more charges would still be allowed) whose TAT
   * is ahead of now is charged with one atomic add: its new TAT does not depend on now, and requests that
   * charge it at the same moment commute, so none of them has to retry (two threads on one key measured
   * 22 M decisions per second with compare-and-set, 26 M with the add). Nearer the limit, or when the key has
   * caught up with now, the TAT is replaced by compare-and-set, so the last permits go exactly once each.
   *
   * <p>Only a request held up between its read and its add (descheduled while that many others charged the
   * key) can find its add too much. The TAT never goes back, so it is still ahead of the request's now, but
   * the key may have run out of room meanwhile. The add is then kept, not given back: giving it back could
   * undo another request's charge made meanwhile by compare-and-set. The key has one charge less (it
   * refills within the charge's time), and the request is decided again, at the time it arrived. So a race
   * can waste a permit, never grant one more ({@code KeyStateTest} plays such races step by step).
   */
  private @Nullable RateLimitDecision tryAcquireSingle(Limit only, long stored, long now, int permits) {
    long charge = permits * interval;
    long tatNow = Math.max(stored, now);
    long newTat = tatNow + charge;
    long ahead = newTat - now;
    if (ahead > tolerance) {
      long remaining = Math.max(0, Math.floorDiv(tolerance - (tatNow - now), interval));
      return new RateLimitDecision(false, remaining, nanos(tatNow - now), nanos(ahead - tolerance), only,
          RateLimitBackend.LOCAL);
    }
    if (stored >= now && tolerance - ahead >= (COMMUTING_CHARGES - 1) * charge) {
      long before = (long) TAT.getAndAdd(this, charge);
      long after = before + charge;
      if (before >= now && after - now <= tolerance) {
        return allowed(only, after - now);
      }
      // Held up between the read and the add while others took the key's room: keep the add (see above) and
      // decide again, by compare-and-set now that the key is near its limit.
      return null;
    }
    if (!TAT.compareAndSet(this, stored, newTat)) {
      return null;
    }
    return allowed(only, ahead);
  }

  /**
   * For tests: the decision of a request on a single limit that read {@code stored} as the TAT earlier and
   * only now goes on, as a request held up between its read and its write does.
   */
  @Nullable RateLimitDecision tryAcquireHavingRead(long stored, long now, int permits) {
    return tryAcquireSingle(Objects.requireNonNull(single, "not a single limit"), stored, now, permits);
  }

  private RateLimitDecision allowed(Limit only, long ahead) {
    return new RateLimitDecision(true, (tolerance - ahead) / interval, nanos(ahead), 0, only,
        RateLimitBackend.LOCAL);
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
        ? new KeyState(policy, newLimits, carried[0], null)
        : new KeyState(policy, newLimits, NOTHING_STORED, carried);
  }

  /** The TATs aligned with {@link #limits}, {@link #NOTHING_STORED} where none is stored. */
  long[] currentTats() {
    if (single != null) {
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
