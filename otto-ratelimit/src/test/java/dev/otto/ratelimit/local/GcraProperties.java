package dev.otto.ratelimit.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitDecision;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Properties of the GCRA maths that must hold for any limit and any sequence of requests. */
class GcraProperties {

  /** The stripes of the leases played here, whatever this machine's processors. */
  private static final int LEASE_STRIPES = 4;

  /**
   * A request arriving {@code gap} microseconds after the previous one and asking for {@code permits}, by a
   * thread of {@code stripe} where leases are played.
   */
  record Request(long gap, int permits, int stripe) {

    Request(long gap, int permits) {
      this(gap, permits, 0);
    }
  }

  @Provide
  Arbitrary<Limit> limits() {
    return Combinators.combine(
            Arbitraries.longs().between(1, 50),
            Arbitraries.longs().between(1, 10_000).map(Duration::ofMillis),
            Arbitraries.longs().between(1, 50))
        .as(Limit::new);
  }

  @Provide
  Arbitrary<List<Request>> requests() {
    return Combinators.combine(
            Arbitraries.longs().between(0, 2_000_000).injectDuplicates(0.3).map(g -> g % 7 == 0 ? 0 : g),
            Arbitraries.integers().between(1, 50))
        .as(Request::new)
        .list().ofMinSize(1).ofMaxSize(150);
  }

  @Property(tries = 300)
  void neverAllowsMoreThanTheBurstPlusWhatTheElapsedTimeEarned(
      @ForAll("limits") Limit limit, @ForAll("requests") List<Request> requests) {
    List<Limit> limits = List.of(limit);
    long now = 1_700_000_000_000_000L;
    long[] tats = null;
    List<long[]> allowed = new ArrayList<>(); // {time, permits}
    for (Request request : requests) {
      now += request.gap();
      int permits = (int) Math.min(request.permits(), limit.burst());
      Gcra.Verdict verdict = Gcra.evaluate(limits, tats, now, permits);
      if (verdict.allowed()) {
        tats = verdict.newTats();
        allowed.add(new long[] {now, permits});
      }
    }
    assertNoWindowGrantedMoreThanGcraAllows(limit, allowed);
  }

  @Property(tries = 300)
  void describesTheOutcomeConsistently(
      @ForAll("limits") Limit limit, @ForAll("requests") List<Request> requests) {
    List<Limit> limits = List.of(limit);
    long now = 1_700_000_000_000_000L;
    long[] tats = null;
    for (Request request : requests) {
      now += request.gap();
      int permits = (int) Math.min(request.permits(), limit.burst());
      Gcra.Verdict verdict = Gcra.evaluate(limits, tats, now, permits);
      assertThat(verdict.remaining()).isBetween(0L, limit.burst());
      assertThat(verdict.resetAfterMicros()).isBetween(0L, limit.toleranceMicros());
      if (verdict.allowed()) {
        assertThat(verdict.retryAfterMicros()).isZero();
        assertThat(verdict.remaining()).isLessThanOrEqualTo(limit.burst() - permits);
        tats = verdict.newTats();
      } else {
        assertThat(verdict.newTats()).isNull();
        assertThat(verdict.retryAfterMicros()).isPositive();
        // Waiting exactly retryAfter makes the same request succeed.
        Gcra.Verdict later = Gcra.evaluate(limits, tats, now + verdict.retryAfterMicros(), permits);
        assertThat(later.allowed()).isTrue();
        Gcra.Verdict earlier = Gcra.evaluate(limits, tats, now + verdict.retryAfterMicros() - 1, permits);
        assertThat(earlier.allowed()).isFalse();
      }
    }
  }

  @Property(tries = 200)
  void grantsTheWholeBurstAgainOnceResetAfterHasPassed(
      @ForAll("limits") Limit limit, @ForAll @IntRange(min = 1, max = 50) int used) {
    List<Limit> limits = List.of(limit);
    long now = 1_700_000_000_000_000L;
    long[] tats = null;
    Gcra.Verdict last = null;
    for (int i = 0; i < Math.min(used, limit.burst()); i++) {
      last = Gcra.evaluate(limits, tats, now, 1);
      tats = last.newTats();
    }
    now += last.resetAfterMicros();
    for (int i = 0; i < limit.burst(); i++) {
      Gcra.Verdict verdict = Gcra.evaluate(limits, tats, now, 1);
      assertThat(verdict.allowed()).isTrue();
      tats = verdict.newTats();
    }
    assertThat(Gcra.evaluate(limits, tats, now, 1).allowed()).isFalse();
  }

  @Property(tries = 200)
  void chargesEitherEveryLimitOrNone(
      @ForAll("limits") Limit first, @ForAll("limits") Limit second,
      @ForAll @Size(min = 1, max = 60) List<@IntRange(min = 0, max = 300_000) Integer> gaps) {
    List<Limit> limits = List.of(first, second);
    long now = 1_700_000_000_000_000L;
    long[] tats = null;
    for (int gap : gaps) {
      now += gap;
      Gcra.Verdict verdict = Gcra.evaluate(limits, tats, now, 1);
      if (verdict.allowed()) {
        long[] updated = verdict.newTats();
        for (int i = 0; i < 2; i++) {
          long before = tats == null ? now : Math.max(tats[i], now);
          assertThat(updated[i]).isEqualTo(before + limits.get(i).emissionIntervalMicros());
        }
        tats = updated;
      } else {
        assertThat(verdict.newTats()).isNull();
      }
    }
  }

  @Property(tries = 300)
  void decidesASingleLimitOnItsFastPathExactlyAsTheGeneralMaths(
      @ForAll("limits") Limit limit, @ForAll("requests") List<Request> requests) {
    List<Limit> limits = List.of(limit);
    KeyState state = new KeyState("p", limits);
    long now = 1_700_000_000_000_000L;
    long[] tats = null;
    for (Request request : requests) {
      now += request.gap();
      int permits = (int) Math.min(request.permits(), limit.burst());
      Gcra.Verdict expected = Gcra.evaluate(limits, tats, now, permits);
      RateLimitDecision actual = state.tryAcquire(now, permits);
      assertThat(actual).isNotNull();
      assertThat(actual.allowed()).isEqualTo(expected.allowed());
      assertThat(actual.remaining()).isEqualTo(expected.remaining());
      assertThat(actual.resetAfter()).isEqualTo(Duration.ofNanos(expected.resetAfterMicros() * 1_000));
      assertThat(actual.retryAfter()).isEqualTo(Duration.ofNanos(expected.retryAfterMicros() * 1_000));
      assertThat(actual.limit()).isEqualTo(limit);
      if (expected.allowed()) {
        tats = expected.newTats();
      }
    }
  }

  /** Limits with a burst large enough for leases on {@value #LEASE_STRIPES} stripes. */
  @Provide
  Arbitrary<Limit> leasableLimits() {
    long smallest = Leases.smallestBurst(LEASE_STRIPES);
    return Combinators.combine(
            Arbitraries.longs().between(1, 1_000),
            Arbitraries.longs().between(1, 10_000).map(Duration::ofMillis),
            Arbitraries.longs().between(smallest, 8 * smallest))
        .as(Limit::new);
  }

  @Provide
  Arbitrary<List<Request>> leasedRequests() {
    return Combinators.combine(
            Arbitraries.longs().between(0, 200_000).injectDuplicates(0.3).map(g -> g % 3 == 0 ? 0 : g),
            Arbitraries.integers().between(1, 20),
            Arbitraries.integers().between(0, LEASE_STRIPES - 1))
        .as((gap, permits, stripe) -> new Request(gap, permits < 15 ? 1 : permits, stripe))
        .list().ofMinSize(1).ofMaxSize(1_500);
  }

  @Property(tries = 200)
  void decidesALeasedKeyChargedByOneThreadExactlyAsTheGeneralMaths(
      @ForAll("leasableLimits") Limit limit, @ForAll("leasedRequests") List<Request> requests) {
    List<Limit> limits = List.of(limit);
    KeyState state = new KeyState("p", limits, LEASE_STRIPES);
    state.startLeasing();
    assertThat(state.leases()).isNotNull();
    long now = 1_700_000_000_000_000L;
    long[] tats = null;
    for (Request request : requests) {
      now += request.gap();
      Gcra.Verdict expected = Gcra.evaluate(limits, tats, now, request.permits());
      RateLimitDecision actual = state.tryAcquire(now, request.permits(), 0);
      assertThat(actual).isNotNull();
      assertThat(actual.allowed()).isEqualTo(expected.allowed());
      assertThat(actual.remaining()).isEqualTo(expected.remaining());
      assertThat(actual.resetAfter()).isEqualTo(Duration.ofNanos(expected.resetAfterMicros() * 1_000));
      assertThat(actual.retryAfter()).isEqualTo(Duration.ofNanos(expected.retryAfterMicros() * 1_000));
      if (expected.allowed()) {
        tats = expected.newTats();
      }
    }
  }

  @Property(tries = 200)
  void neverGrantsMoreThanGcraWhicheverStripesTakeTurnsOnALeasedKey(
      @ForAll("leasableLimits") Limit limit, @ForAll("leasedRequests") List<Request> requests) {
    KeyState state = new KeyState("p", List.of(limit), LEASE_STRIPES);
    state.startLeasing();
    long now = 1_700_000_000_000_000L;
    List<long[]> allowed = new ArrayList<>(); // {time, permits}
    for (Request request : requests) {
      now += request.gap();
      RateLimitDecision decision = state.tryAcquire(now, request.permits(), request.stripe());
      assertThat(decision).as("one thread at a time never has to retry").isNotNull();
      assertThat(decision.remaining()).isBetween(0L, limit.burst());
      if (decision.allowed()) {
        allowed.add(new long[] {now, request.permits()});
      } else {
        assertThat(decision.retryAfter()).isPositive();
      }
    }
    assertNoWindowGrantedMoreThanGcraAllows(limit, allowed);
  }

  /** In every window [t_i, t_j] of the grants {time, permits}, at most burst + (t_j - t_i) / T permits. */
  private static void assertNoWindowGrantedMoreThanGcraAllows(Limit limit, List<long[]> allowed) {
    long interval = limit.emissionIntervalMicros();
    for (int i = 0; i < allowed.size(); i++) {
      long granted = 0;
      for (int j = i; j < allowed.size(); j++) {
        granted += allowed.get(j)[1];
        long elapsed = allowed.get(j)[0] - allowed.get(i)[0];
        assertThat(granted).isLessThanOrEqualTo(limit.burst() + elapsed / interval);
      }
    }
  }
}
