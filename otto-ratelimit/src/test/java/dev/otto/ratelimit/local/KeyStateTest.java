package dev.otto.ratelimit.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitDecision;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The leases of {@link KeyState}, step by step: each test plays threads by their stripe, so every
 * interleaving here is one that concurrent tests only hit by chance.
 */
class KeyStateTest {

  private static final int STRIPES = 4;
  /** Large enough for leases of the longest kind until the last few thousand permits. */
  private static final long BURST = 100_000;
  /** T = 1 s and τ = BURST s. */
  private static final Limit LIMIT = new Limit(BURST, Duration.ofSeconds(BURST), BURST);
  private static final long T = LIMIT.emissionIntervalMicros();
  private static final int LEASE = Leases.MAX_SLOTS_PER_LEASE;
  private static final long NOW = 1_700_000_000_000_000L;

  private final KeyState state = new KeyState("p", List.of(LIMIT), STRIPES);

  @Test
  void startsNoLeasesForABurstTooSmallToSpareThePermitsTheyHold() {
    Limit small = new Limit(100, Duration.ofSeconds(1), Leases.smallestBurst(STRIPES) - 1);
    KeyState key = new KeyState("p", List.of(small), STRIPES);

    key.startLeasing();

    assertThat(key.leases()).isNull();
  }

  @Test
  void startsLeasingOnlyWhenCompareAndSetsKeepFailingWithinAMillisecond() {
    for (int i = 0; i < 7; i++) {
      state.contended(NOW + i * 100);
    }
    state.contended(NOW + 1_700); // more than a millisecond after the first: counting starts again
    for (int i = 1; i < 7; i++) {
      state.contended(NOW + 1_700 + i * 100);
    }
    assertThat(state.leases()).as("7 failures within a millisecond").isNull();

    state.contended(NOW + 2_600);

    assertThat(state.leases()).as("the 8th").isNotNull();
  }

  @Test
  void leasesTheLongestRangeFarFromTheLimitAndWritesTheTatOncePerLease() {
    state.startLeasing();

    RateLimitDecision first = acquire(0, NOW);
    assertThat(first.allowed()).isTrue();
    assertThat(state.storedTat()).isEqualTo(NOW + LEASE * T);
    assertThat(first.remaining()).as("what one request leaves, as without leases").isEqualTo(BURST - 1);
    assertThat(first.resetAfter()).isEqualTo(Duration.ofSeconds(1));

    for (int i = 1; i < LEASE; i++) {
      assertThat(acquire(0, NOW).remaining()).isEqualTo(BURST - 1 - i);
    }
    assertThat(state.storedTat()).as("the lease served them all").isEqualTo(NOW + LEASE * T);

    assertThat(acquire(0, NOW).allowed()).isTrue();
    assertThat(state.storedTat()).isEqualTo(NOW + 2 * LEASE * T);
  }

  @Test
  void givesEachStripeARangeOfItsOwnAndCountsTheOthersLeasesAsTaken() {
    state.startLeasing();

    acquire(0, NOW);
    RateLimitDecision second = acquire(1, NOW);

    Leases leases = leases();
    assertThat(leases.leaseOf(0).end).isEqualTo(NOW + LEASE * T);
    assertThat(leases.leaseOf(1).end).isEqualTo(NOW + 2 * LEASE * T);
    assertThat(leases.leaseOf(1).cursor()).isEqualTo(NOW + (LEASE + 1) * T);
    assertThat(second.remaining()).as("stripe 0 holds the rest of its lease").isEqualTo(BURST - 1 - LEASE);
    assertThat(acquire(0, NOW).remaining()).as("stripe 1 holds the rest of its lease").isEqualTo(BURST - 2 - LEASE);
  }

  @Test
  void takesFromALeaseAtTheRequestsTimeAsGcraTakesFromATat() {
    state.startLeasing();
    acquire(0, NOW);

    long later = NOW + 5 * T + T / 2;
    RateLimitDecision late = acquire(0, later);

    assertThat(late.allowed()).isTrue();
    assertThat(leases().leaseOf(0).cursor()).as("the time that passed is not banked").isEqualTo(later + T);
    assertThat(late.resetAfter()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void givesBackWhatALeaseDidNotUseWhenItsTimeHasPassedAndNothingCameAfterIt() {
    state.startLeasing();
    acquire(0, NOW);
    Leases.Lease first = leases().leaseOf(0);

    long later = NOW + (LEASE + 3) * T;
    assertThat(acquire(0, later).allowed()).isTrue();

    assertThat(first.cursor()).as("closed").isEqualTo(Leases.NONE);
    assertThat(leases().leaseOf(0).end).as("leased from now again").isEqualTo(later + LEASE * T);
    assertThat(state.storedTat()).isEqualTo(later + LEASE * T);
  }

  @Test
  void keepsAPassedLeaseClaimedWhenAnotherStripeLeasedAfterIt() {
    state.startLeasing();
    acquire(0, NOW);
    acquire(1, NOW);
    long topBefore = state.storedTat();

    acquire(0, NOW + T / 2 + LEASE * T); // stripe 0's lease is past its end: closed, nothing given back

    assertThat(leases().leaseOf(0).end).isEqualTo(topBefore + LEASE * T);
  }

  @Test
  void takesWhatOtherStripesLeasesHoldBeforeRejecting() {
    state.startLeasing();
    acquire(1, NOW); // stripe 1 leases and keeps the rest
    int allowed = 1;
    while (acquire(0, NOW).allowed()) {
      allowed++;
    }
    assertThat(allowed).as("exactly the burst").isEqualTo(BURST);
    assertThat(leases().leaseOf(1).cursor()).as("stripe 1's lease used up by stripe 0")
        .isEqualTo(leases().leaseOf(1).end);

    RateLimitDecision rejected = acquire(2, NOW);
    assertThat(rejected.allowed()).isFalse();
    assertThat(rejected.remaining()).isZero();
    assertThat(rejected.retryAfter()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void shortensLeasesNearTheLimitAndThenChargesTheTatDirectlySoTheLastPermitsGoExactlyOnceEach() {
    state.startLeasing();
    long fewLeft = 4L * STRIPES;
    long left;
    do {
      left = acquire(0, NOW).remaining();
    } while (left >= fewLeft || hasLeftInItsLease(0));
    Leases.Lease last = leases().leaseOf(0);
    long tat = state.storedTat();

    RateLimitDecision next = acquire(0, NOW);

    assertThat(next.allowed()).isTrue();
    assertThat(next.remaining()).isEqualTo(left - 1);
    assertThat(leases().leaseOf(0)).as("no new lease this near the limit").isSameAs(last);
    assertThat(state.storedTat()).isEqualTo(tat + T);
  }

  @Test
  void chargesARequestLargerThanALeaseDirectly() {
    state.startLeasing();

    RateLimitDecision big = state.tryAcquire(NOW, LEASE + 1, 0);

    assertThat(big).isNotNull();
    assertThat(big.allowed()).isTrue();
    assertThat(state.storedTat()).isEqualTo(NOW + (LEASE + 1) * T);
    assertThat(leases().leaseOf(0)).isNull();
  }

  @Test
  void grantsExactlyTheBurstToThreadsRacingOnOneLeasedKey() throws Exception {
    KeyState key = new KeyState("p", List.of(LIMIT), STRIPES);
    key.startLeasing();
    int threads = 8;
    int attemptsPerThread = (int) BURST;
    AtomicInteger allowed = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < attemptsPerThread; i++) {
            RateLimitDecision decision;
            do {
              decision = key.tryAcquire(NOW, 1);
            } while (decision == null);
            if (decision.allowed()) {
              allowed.incrementAndGet();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> worker : workers) {
        worker.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(allowed.get()).isEqualTo(BURST);
  }

  private boolean hasLeftInItsLease(int stripe) {
    Leases.Lease lease = leases().leaseOf(stripe);
    return lease != null && lease.cursor() != Leases.NONE && lease.cursor() < lease.end;
  }

  private Leases leases() {
    Leases leases = state.leases();
    assertThat(leases).isNotNull();
    return leases;
  }

  /** A request of one permit by a thread of {@code stripe}, which never has to retry when played alone. */
  private RateLimitDecision acquire(int stripe, long now) {
    @Nullable RateLimitDecision decision = state.tryAcquire(now, 1, stripe);
    assertThat(decision).isNotNull();
    return decision;
  }
}
