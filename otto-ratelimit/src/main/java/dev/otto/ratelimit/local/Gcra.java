package dev.otto.ratelimit.local;

import dev.otto.ratelimit.Limit;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The GCRA maths, in microseconds, for Java. The Redis script ({@code gcra.lua} in the redis package)
 * mirrors {@link #evaluate} line by line; the contract suite proves that both decide alike. The local
 * limiter's allocation-free path for a single limit ({@code KeyState}) is the same maths for one limit; a
 * property test holds it equal to this one.
 *
 * <p>For a request of {@code n} permits at {@code now} and a stored theoretical arrival time {@code TAT}
 * (absent means {@code now}), each limit computes {@code newTat = max(TAT, now) + n × T} and allows iff
 * {@code newTat − now ≤ τ}. Only if every limit allows are the new TATs stored (all-or-nothing).
 */
final class Gcra {

  private Gcra() {
  }

  /**
   * What one request gets: the decision of the deciding limit in microseconds and, when allowed, the TATs
   * to store (aligned with the policy's limits).
   */
  record Verdict(
      boolean allowed, int decidingLimit, long remaining, long resetAfterMicros, long retryAfterMicros,
      long @Nullable [] newTats) {
  }

  /**
   * Decides a request.
   *
   * @param limits the policy's limits, in the policy's order (ties go to the earlier one)
   * @param tats the stored TATs aligned with {@code limits}, or {@code null} when nothing is stored; an
   *     entry of {@link KeyState#NOTHING_STORED} means nothing is stored for that limit
   * @param now the current time in microseconds
   * @param permits the permits asked for, already validated against the smallest burst
   */
  static Verdict evaluate(List<Limit> limits, long @Nullable [] tats, long now, int permits) {
    int count = limits.size();
    long[] newTats = new long[count];
    int rejected = -1;
    long rejectedRetry = -1;
    long rejectedRemaining = 0;
    long rejectedReset = 0;
    int best = -1;
    long bestRemaining = 0;
    long bestReset = 0;
    for (int i = 0; i < count; i++) {
      Limit limit = limits.get(i);
      long interval = limit.emissionIntervalMicros();
      long tolerance = interval * limit.burst();
      long tat = tats == null ? now : Math.max(tats[i], now);
      long newTat = tat + permits * interval;
      long ahead = newTat - now;
      if (ahead > tolerance) {
        long retry = ahead - tolerance;
        if (retry > rejectedRetry) {
          rejected = i;
          rejectedRetry = retry;
          rejectedRemaining = Math.floorDiv(tolerance - (tat - now), interval);
          rejectedReset = tat - now;
        }
      } else {
        newTats[i] = newTat;
        long remaining = (tolerance - ahead) / interval;
        if (best < 0 || remaining < bestRemaining) {
          best = i;
          bestRemaining = remaining;
          bestReset = ahead;
        }
      }
    }
    if (rejected >= 0) {
      return new Verdict(false, rejected, Math.max(0, rejectedRemaining), rejectedReset, rejectedRetry, null);
    }
    return new Verdict(true, best, bestRemaining, bestReset, 0, newTats);
  }

  /** Microseconds since the epoch: the unit of every TAT. */
  static long micros(Instant instant) {
    return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
  }
}
