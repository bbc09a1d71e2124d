package dev.otto.ratelimit.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.ratelimit.FakeClock;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.testsupport.Waiting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalRateLimiterTest {

  private final FakeClock clock = new FakeClock();

  @Test
  void keepsIdleKeysUntilEvictedBySizeByDefault() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).build();
    RateLimitPolicy policy = RateLimitPolicy.of("p", 10, Duration.ofSeconds(10));
    limiter.tryAcquire("a", policy);
    limiter.tryAcquire("b", policy);

    clock.advance(Duration.ofDays(1));
    assertThat(limiter.keyCount()).isEqualTo(2);
  }

  @Test
  void forgetsKeysIdleForLongerThanExpireAfterIdle() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).expireAfterIdle(Duration.ofSeconds(30)).build();
    RateLimitPolicy policy = RateLimitPolicy.of("p", 1, Duration.ofSeconds(10)); // τ = 10 s
    assertThat(limiter.tryAcquire("a", policy).allowed()).isTrue();
    limiter.tryAcquire("b", policy);

    clock.advance(Duration.ofSeconds(20));
    assertThat(limiter.tryAcquire("a", policy).allowed()).as("used again: idle time starts over").isTrue();
    clock.advance(Duration.ofSeconds(20));
    assertThat(limiter.keyCount()).as("b was idle for 40 s, a for 20 s").isEqualTo(1);
    clock.advance(Duration.ofSeconds(11));
    assertThat(limiter.keyCount()).isZero();
  }

  @Test
  void decidesOnTheSystemClockByDefault() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().build();
    RateLimitPolicy policy = RateLimitPolicy.of("p", 3, Duration.ofHours(1));
    for (int i = 0; i < 3; i++) {
      assertThat(limiter.tryAcquire("k", policy).remaining()).isEqualTo(2 - i);
    }
    RateLimitDecision rejected = limiter.tryAcquire("k", policy);
    assertThat(rejected.allowed()).isFalse();
    assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(20));
    assertThat(rejected.resetAfter()).isPositive().isLessThanOrEqualTo(Duration.ofHours(1));
  }

  @Test
  void keepsTheBucketOfAPolicyThatSwitchesBetweenOneAndSeveralLimits() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).build();
    RateLimitPolicy single = RateLimitPolicy.of("api", 3, Duration.ofHours(1));
    RateLimitPolicy several = RateLimitPolicy.builder("api")
        .limit(3, Duration.ofHours(1))
        .limit(100, Duration.ofSeconds(1))
        .build();
    assertThat(limiter.tryAcquire("k", single).remaining()).isEqualTo(2);
    assertThat(limiter.tryAcquire("k", several).remaining()).isEqualTo(1);
    assertThat(limiter.tryAcquire("k", single).remaining()).isZero();
    assertThat(limiter.tryAcquire("k", several).allowed()).isFalse();
    assertThat(limiter.tryAcquire("k", RateLimitPolicy.of("api", 50, Duration.ofMinutes(1))).remaining())
        .as("a limit the old state never had starts full").isEqualTo(49);
  }

  @Test
  void treatsKeysOfAnyLengthAsDistinctKeys() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).build();
    RateLimitPolicy policy = RateLimitPolicy.of("p", 1, Duration.ofHours(1));
    String atLimit = "k".repeat(256);
    String overLimit = "k".repeat(257);
    assertThat(limiter.tryAcquire(atLimit, policy).allowed()).isTrue();
    assertThat(limiter.tryAcquire(overLimit, policy).allowed()).isTrue();
    assertThat(limiter.tryAcquire(overLimit, policy).allowed()).isFalse();
    assertThat(limiter.tryAcquire(atLimit, policy).allowed()).isFalse();
    assertThat(limiter.keyCount()).isEqualTo(2);
    assertThat(limiter.holdsAsItIs(atLimit)).isTrue();
    assertThat(limiter.holdsAsItIs(overLimit)).as("held as its digest only").isFalse();
  }

  @Test
  void keepsAKeyThatIsStillBeingUsed() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).build();
    RateLimitPolicy policy = RateLimitPolicy.of("p", 1, Duration.ofSeconds(10));
    assertThat(limiter.tryAcquire("a", policy).allowed()).isTrue();
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(5));
      assertThat(limiter.tryAcquire("a", policy).allowed()).as("second %d", (i + 1) * 5).isEqualTo(i % 2 == 1);
    }
    assertThat(limiter.keyCount()).isEqualTo(1);
  }

  @Test
  void holdsAtMostMaximumKeys() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).maximumKeys(100).build();
    RateLimitPolicy policy = RateLimitPolicy.of("p", 1, Duration.ofHours(1));
    for (int i = 0; i < 1_000; i++) {
      limiter.tryAcquire("key-" + i, policy);
    }
    assertThat(limiter.keyCount()).isLessThanOrEqualTo(100);
  }

  @Test
  void keepsAHotKeyWhileAFloodOfOneOffKeysPassesThrough() {
    // Evicting the hot key would give it a full bucket again: one-off keys must not push it out.
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).maximumKeys(1_000).build();
    RateLimitPolicy policy = RateLimitPolicy.of("p", 1, Duration.ofHours(1));
    assertThat(limiter.tryAcquire("hot", policy).allowed()).isTrue();
    for (int i = 0; i < 5_000; i++) {
      limiter.tryAcquire("hot", policy);
      limiter.tryAcquire("flood-" + i, policy);
    }
    assertThat(limiter.keyCount()).isLessThanOrEqualTo(1_000);
    assertThat(limiter.tryAcquire("hot", policy).allowed()).as("the hot key's bucket is still empty").isFalse();
  }

  @Test
  void countsEveryPolicyOfAKeyAgainstMaximumKeys() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).maximumKeys(100).build();
    RateLimitPolicy login = RateLimitPolicy.of("login", 1, Duration.ofHours(1));
    RateLimitPolicy search = RateLimitPolicy.of("search", 1, Duration.ofHours(1));
    for (int i = 0; i < 1_000; i++) {
      limiter.tryAcquire("key-" + i, login);
      limiter.tryAcquire("key-" + i, search);
    }
    assertThat(limiter.keyCount()).isLessThanOrEqualTo(100);
  }

  @Test
  void carriesSharedLimitsOverWhenAPolicyNameGetsOtherLimits() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).build();
    RateLimitPolicy before = RateLimitPolicy.of("api", 2, Duration.ofHours(1));
    RateLimitPolicy after = RateLimitPolicy.builder("api")
        .limit(2, Duration.ofHours(1))
        .limit(100, Duration.ofSeconds(1))
        .build();
    limiter.tryAcquire("k", before);
    limiter.tryAcquire("k", before);

    assertThat(limiter.tryAcquire("k", after).allowed()).as("the hourly limit is still used up").isFalse();
  }

  @Test
  void decidesOnTheSystemClockReadOnEveryDecisionWithAResolutionOfZero() {
    assertThat(LocalRateLimiter.builder().build().ticker()).isInstanceOf(TickingClock.class);
    assertThat(LocalRateLimiter.builder().clock(clock).build().ticker()).isNotInstanceOf(TickingClock.class);

    LocalRateLimiter limiter = LocalRateLimiter.builder().clockResolution(Duration.ZERO).build();
    assertThat(limiter.ticker()).isNotInstanceOf(TickingClock.class);
    RateLimitPolicy policy = RateLimitPolicy.of("p", 2, Duration.ofHours(1));
    assertThat(limiter.tryAcquire("k", policy).remaining()).isEqualTo(1);
    assertThat(limiter.tryAcquire("k", policy).remaining()).isZero();
    assertThat(limiter.tryAcquire("k", policy).allowed()).isFalse();
  }

  @Test
  void showsTheSettingsItWorksWith() {
    assertThat(LocalRateLimiter.builder().build())
        .hasToString("LocalRateLimiter[maximumKeys=100000, clockResolution=PT0.001S]");
    assertThat(LocalRateLimiter.builder().maximumKeys(7).clock(clock).expireAfterIdle(Duration.ofSeconds(30)).build())
        .as("an injected clock is read on every decision")
        .hasToString("LocalRateLimiter[maximumKeys=7, clockResolution=PT0S, expireAfterIdle=PT30S]");
  }

  @Test
  void keepsDecidingAfterCloseOnTheSystemClockWithItsThreadEnded() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().build();
    RateLimitPolicy policy = RateLimitPolicy.of("p", 2, Duration.ofHours(1));
    assertThat(limiter.tryAcquire("k", policy).remaining()).isEqualTo(1);
    limiter.close();
    limiter.close();

    TickingClock clock = (TickingClock) limiter.ticker();
    Waiting.awaitTrue(Duration.ofSeconds(10), "the clock thread ends", clock::hasEnded);
    assertThat(limiter.tryAcquire("k", policy).remaining()).isZero();
    assertThat(limiter.tryAcquire("k", policy).allowed()).isFalse();
    long before = System.nanoTime();
    assertThat(clock.read()).as("exact after close").isGreaterThanOrEqualTo(before);
  }

  @Test
  void allowsExactlyALargeBurstToManyThreadsChargingOneKeyAtOnce() throws Exception {
    // Once threads contend, far from the limit they take permits from leases, near it by compare-and-set.
    int burst = 20_000;
    RateLimitPolicy policy = RateLimitPolicy.of("big", burst, Duration.ofHours(1));
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).build();
    int threads = 8;
    int attemptsPerThread = 3_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Long>>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(pool.submit(() -> {
          start.await();
          List<Long> remainingOfAllowed = new ArrayList<>();
          for (int i = 0; i < attemptsPerThread; i++) {
            RateLimitDecision decision = limiter.tryAcquire("hot", policy);
            if (decision.allowed()) {
              remainingOfAllowed.add(decision.remaining());
            }
          }
          return remainingOfAllowed;
        }));
      }
      start.countDown();
      List<Long> remaining = new ArrayList<>();
      for (Future<List<Long>> worker : workers) {
        remaining.addAll(worker.get(30, TimeUnit.SECONDS));
      }
      remaining.sort(null);
      assertThat(remaining).hasSize(burst);
      assertThat(remaining.get(burst - 1)).as("the first request, before any contention").isEqualTo(burst - 1);
      // Leases other threads hold count as taken, so no request was told more was left than there was: the
      // j-th smallest count is at most j, as it is when each request sees exactly its own.
      for (int j = 0; j < burst; j++) {
        assertThat(remaining.get(j)).isBetween(0L, (long) j);
      }
      assertThat(limiter.tryAcquire("hot", policy).remaining()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void validatesItsSettings() {
    assertThatThrownBy(() -> LocalRateLimiter.builder().maximumKeys(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumKeys must be at least 1: 0");
    assertThatThrownBy(() -> LocalRateLimiter.builder().expireAfterIdle(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("expireAfterIdle must be positive: PT0S");
    assertThatThrownBy(() -> LocalRateLimiter.builder().clockResolution(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clockResolution must be between 0 and 1 s: PT-0.001S");
    assertThatThrownBy(() -> LocalRateLimiter.builder().clockResolution(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("clockResolution must be between 0 and 1 s: PT2S");
  }
}
