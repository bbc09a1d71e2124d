package dev.otto.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link RateLimiter} back end promises. Subclasses supply the limiter and a way to let
 * time pass: a fake clock for the local limiter; real waiting for Redis, whose script reads the server's
 * clock. Real waits are bounded and short (periods of a few hundred milliseconds), and each one waits for
 * exactly the {@code retryAfter} the limiter itself announced: the server clock moves at least as far as
 * the client's in that time, so the next request must succeed, with no timing threshold to tune.
 */
public abstract class RateLimiterContract {

  /** The limiter under test. */
  protected abstract RateLimiter limiter();

  /** Lets {@code duration} pass for the limiter. */
  protected abstract void passTime(Duration duration);

  /** Whether time stands still between calls (fake clock), so values can be asserted exactly. */
  protected abstract boolean timeIsExact();

  /** The back end that should decide. */
  protected abstract RateLimitBackend expectedBackend();

  /**
   * Called before many threads charge {@code key} under {@code policy} at once. A back end that changes how it
   * decides under contention changes now, so that the race is decided that way on any machine and not only
   * when its threads happen to collide (the local limiter starts leasing the key).
   */
  protected void expectContention(String key, RateLimitPolicy policy) {
  }

  private final String key = "client-" + UUID.randomUUID();

  private RateLimitDecision acquire(RateLimitPolicy policy) {
    return limiter().tryAcquire(key, policy);
  }

  private RateLimitDecision acquire(RateLimitPolicy policy, int permits) {
    return limiter().tryAcquire(key, policy, permits);
  }

  /** Asserts a duration the limiter computed from "now": exact under a fake clock, else a little less. */
  private void assertAbout(Duration actual, Duration expected) {
    if (timeIsExact()) {
      assertThat(actual).isEqualTo(expected);
    } else {
      assertThat(actual).isLessThanOrEqualTo(expected).isGreaterThan(expected.minusSeconds(10));
    }
  }

  @Test
  void allowsExactlyTheQuotaAndRejectsTheNextRequestForOneEmissionInterval() {
    RateLimitPolicy policy = RateLimitPolicy.of("hourly", 10, Duration.ofHours(1));
    Limit limit = policy.limits().get(0);
    Duration interval = Duration.ofSeconds(360);

    for (int i = 1; i <= 10; i++) {
      RateLimitDecision decision = acquire(policy);
      assertThat(decision.allowed()).as("request %d", i).isTrue();
      assertThat(decision.remaining()).as("remaining after request %d", i).isEqualTo(10 - i);
      assertThat(decision.retryAfter()).isZero();
      assertThat(decision.retryAfterSeconds()).isZero();
      assertAbout(decision.resetAfter(), interval.multipliedBy(i));
      assertThat(decision.limit()).isEqualTo(limit);
      assertThat(decision.backend()).isEqualTo(expectedBackend());
    }

    RateLimitDecision eleventh = acquire(policy);
    assertThat(eleventh.allowed()).isFalse();
    assertThat(eleventh.remaining()).isZero();
    assertAbout(eleventh.retryAfter(), interval);
    assertThat(eleventh.retryAfterSeconds()).isEqualTo(360);
    assertAbout(eleventh.resetAfter(), Duration.ofHours(1));
    assertThat(eleventh.resetAfterSeconds()).isBetween(3599L, 3600L);
    assertThat(eleventh.limit()).isEqualTo(limit);
    assertThat(eleventh.backend()).isEqualTo(expectedBackend());
  }

  @Test
  void roundsTheEmissionIntervalUpWhenTheQuotaDoesNotDivideThePeriod() {
    RateLimitPolicy policy = RateLimitPolicy.of("sevenly", 7, Duration.ofHours(1)); // T = 514.285715 s
    for (int i = 0; i < 7; i++) {
      assertThat(acquire(policy).allowed()).isTrue();
    }
    RateLimitDecision eighth = acquire(policy);
    assertThat(eighth.allowed()).isFalse();
    assertAbout(eighth.retryAfter(), Duration.ofNanos(514_285_715_000L));
    assertThat(eighth.retryAfterSeconds()).isEqualTo(515);
    assertAbout(eighth.resetAfter(), Duration.ofNanos(7 * 514_285_715_000L));
    assertThat(eighth.resetAfterSeconds()).isBetween(3600L, 3601L); // 3600.000005 s, less what time passed
  }

  @Test
  void refillsOneRequestPerEmissionIntervalAndTheWholeBurstAfterResetAfter() {
    RateLimitPolicy policy = RateLimitPolicy.of("refill", 4, Duration.ofMillis(400)); // T = 100 ms
    for (int i = 0; i < 4; i++) {
      assertThat(acquire(policy).allowed()).isTrue();
    }
    RateLimitDecision rejected = acquire(policy);
    assertThat(rejected.allowed()).isFalse();
    assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(100));

    passTime(rejected.retryAfter());
    RateLimitDecision refilled = acquire(policy);
    assertThat(refilled.allowed()).isTrue();
    if (timeIsExact()) {
      assertThat(refilled.remaining()).isZero();
      RateLimitDecision again = acquire(policy);
      assertThat(again.allowed()).isFalse();
      assertThat(again.retryAfter()).isEqualTo(Duration.ofMillis(100));
    }

    passTime(refilled.resetAfter());
    RateLimitDecision full = acquire(policy);
    assertThat(full.allowed()).isTrue();
    assertThat(full.remaining()).isEqualTo(3);
  }

  @Test
  void chargesAllLimitsOrNoneSoARejectionByOneDoesNotConsumeTheOther() {
    Limit fast = new Limit(2, Duration.ofMillis(200), 2);
    Limit slow = new Limit(3, Duration.ofHours(1), 3);
    RateLimitPolicy policy = RateLimitPolicy.builder("tiered").limit(slow).limit(fast).build();
    assertThat(policy.limits()).containsExactly(fast, slow);

    RateLimitDecision first = acquire(policy);
    assertThat(first.allowed()).isTrue();
    assertThat(first.limit()).isEqualTo(fast); // fast has 1 left, slow 2
    assertThat(first.remaining()).isEqualTo(1);
    assertThat(acquire(policy).allowed()).isTrue(); // slow has 1 left

    RateLimitDecision third = acquire(policy);
    assertThat(third.allowed()).isFalse();
    assertThat(third.limit()).isEqualTo(fast);
    assertThat(third.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(100));

    passTime(third.retryAfter());
    RateLimitDecision fourth = acquire(policy);
    assertThat(fourth.allowed()).as("the rejected third request must not have charged the slow limit").isTrue();
    assertThat(fourth.remaining()).isZero();

    passTime(Duration.ofMillis(200)); // the fast limit is full again
    RateLimitDecision fifth = acquire(policy);
    assertThat(fifth.allowed()).isFalse();
    assertThat(fifth.limit()).isEqualTo(slow);
    assertThat(fifth.remaining()).isZero();
    // The slow limit's next slot is 20 minutes after the first request, and that much time has passed.
    assertAbout(fifth.retryAfter(), Duration.ofMinutes(20).minus(third.retryAfter()).minusMillis(200));
  }

  @Test
  void reportsTheLimitWithTheLongestRetryAfterWhenSeveralReject() {
    Limit perSecond = new Limit(1, Duration.ofSeconds(1), 1);
    Limit perHour = new Limit(1, Duration.ofHours(1), 1);
    RateLimitPolicy policy = RateLimitPolicy.builder("both").limit(perSecond).limit(perHour).build();

    RateLimitDecision first = acquire(policy);
    assertThat(first.allowed()).isTrue();
    assertThat(first.limit()).as("a tie in remaining goes to the shorter period").isEqualTo(perSecond);

    RateLimitDecision second = acquire(policy);
    assertThat(second.allowed()).isFalse();
    assertThat(second.limit()).isEqualTo(perHour);
    assertAbout(second.retryAfter(), Duration.ofHours(1));
  }

  @Test
  void reportsTheLimitWithTheLeastRemainingWhenAllowed() {
    Limit perSecond = Limit.of(10, Duration.ofSeconds(1));
    Limit perHour = Limit.of(3, Duration.ofHours(1));
    RateLimitPolicy policy = RateLimitPolicy.builder("mixed").limit(perSecond).limit(perHour).build();

    RateLimitDecision decision = acquire(policy);
    assertThat(decision.allowed()).isTrue();
    assertThat(decision.limit()).isEqualTo(perHour);
    assertThat(decision.remaining()).isEqualTo(2);
    assertAbout(decision.resetAfter(), Duration.ofMinutes(20));
  }

  @Test
  void chargesSeveralPermitsTogetherOrNotAtAll() {
    RateLimitPolicy policy = RateLimitPolicy.of("bulk", 10, Duration.ofHours(1));

    RateLimitDecision four = acquire(policy, 4);
    assertThat(four.allowed()).isTrue();
    assertThat(four.remaining()).isEqualTo(6);
    assertAbout(four.resetAfter(), Duration.ofSeconds(4 * 360));

    RateLimitDecision seven = acquire(policy, 7);
    assertThat(seven.allowed()).isFalse();
    assertThat(seven.remaining()).isEqualTo(6);
    assertAbout(seven.retryAfter(), Duration.ofSeconds(360));

    RateLimitDecision six = acquire(policy, 6);
    assertThat(six.allowed()).isTrue();
    assertThat(six.remaining()).isZero();
  }

  @Test
  void rejectsPermitsOutsideOneToTheSmallestBurstNamingTheValue() {
    RateLimitPolicy policy = RateLimitPolicy.builder("bounded")
        .limit(10, Duration.ofSeconds(1), 5)
        .limit(100, Duration.ofMinutes(1))
        .build();
    for (int permits : new int[] {0, -1, 6}) {
      assertThatThrownBy(() -> acquire(policy, permits))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("permits must be between 1 and 5")
          .hasMessageEndingWith(": " + permits);
      assertThatThrownBy(() -> limiter().tryAcquireAsync(key, policy, permits))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(acquire(policy, 5).allowed()).isTrue();
  }

  @Test
  void allowsExactlyTheBurstToManyThreadsRacingOnOneKey() throws Exception {
    RateLimitPolicy policy = RateLimitPolicy.of("contended", 100, Duration.ofHours(1));
    List<Raced> raced = race(policy, 16, 40);

    List<Long> remainingOfAllowed = raced.stream().map(Raced::decision)
        .filter(RateLimitDecision::allowed).map(RateLimitDecision::remaining).sorted().toList();
    assertThat(remainingOfAllowed).hasSize(100);
    assertThat(remainingOfAllowed).as("each allowed request saw its own remaining count")
        .isEqualTo(LongStream.range(0, 100).boxed().toList());
  }

  /**
   * The race above with a burst large enough for the local limiter's leases on any machine (64 per stripe, at
   * most 16 stripes), under which it may report less remaining than there is, never more. One permit comes
   * back a minute, so none does while the threads race.
   */
  @Test
  void allowsExactlyALargeBurstToManyThreadsRacingOnOneKeyAndNeverOverstatesWhatIsLeft() throws Exception {
    int burst = 1_024;
    RateLimitPolicy policy = RateLimitPolicy.builder("contended-burst")
        .limit(1, Duration.ofMinutes(1), burst)
        .build();
    expectContention(key, policy);
    List<Raced> raced = race(policy, 16, 96);

    List<Raced> allowed = raced.stream().filter(r -> r.decision().allowed()).toList();
    assertThat(allowed).hasSize(burst);
    // Requests allowed before a request was sent were charged before it, so it has at most what they left.
    assertThat(allowed).allSatisfy(r -> assertThat(r.decision().remaining())
        .isBetween(0L, burst - 1 - r.allowedBefore()));
    // Charged one after another, the allowed requests had burst - 1, burst - 2, ..., 0 left; as a count may be
    // lower than that, never higher, at most burst - 1 - j of them report more than j: the j-th smallest count
    // (from 0) is at most j, and exactly j when each request sees exactly its own.
    List<Long> remainingOfAllowed = allowed.stream().map(r -> r.decision().remaining()).sorted().toList();
    for (int j = 0; j < burst; j++) {
      assertThat(remainingOfAllowed.get(j)).as("the %d-th smallest remaining count", j).isLessThanOrEqualTo(j);
    }
    assertThat(raced).map(Raced::decision).filteredOn(decision -> !decision.allowed())
        .hasSize(raced.size() - burst)
        .allSatisfy(rejected -> {
          assertThat(rejected.remaining()).isZero();
          assertThat(rejected.retryAfter()).isPositive();
        });
  }

  /** A decision of {@link #race}, and how many allowed decisions any thread had received before asking. */
  private record Raced(RateLimitDecision decision, long allowedBefore) {
  }

  /**
   * Has {@code threads} threads, started together, each ask for one permit {@code attemptsPerThread} times
   * on one key; returns every decision, after checking that each one was made by the expected back end.
   */
  private List<Raced> race(RateLimitPolicy policy, int threads, int attemptsPerThread) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      AtomicLong allowed = new AtomicLong();
      ConcurrentLinkedQueue<Raced> raced = new ConcurrentLinkedQueue<>();
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        workers.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < attemptsPerThread; i++) {
            long allowedBefore = allowed.get();
            RateLimitDecision decision = acquire(policy);
            if (decision.allowed()) {
              allowed.incrementAndGet();
            }
            raced.add(new Raced(decision, allowedBefore));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> worker : workers) {
        worker.get(30, TimeUnit.SECONDS);
      }
      assertThat(raced).hasSize(threads * attemptsPerThread);
      assertThat(raced).allSatisfy(r -> assertThat(r.decision().backend()).isEqualTo(expectedBackend()));
      return List.copyOf(raced);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void keepsSeparateStateForEachKeyAndEachPolicy() {
    RateLimitPolicy login = RateLimitPolicy.of("login", 1, Duration.ofHours(1));
    RateLimitPolicy search = RateLimitPolicy.of("search", 1, Duration.ofHours(1));

    assertThat(limiter().tryAcquire(key, login).allowed()).isTrue();
    assertThat(limiter().tryAcquire(key, login).allowed()).isFalse();
    assertThat(limiter().tryAcquire(key + "-other", login).allowed()).isTrue();
    assertThat(limiter().tryAcquire(key, search).allowed()).isTrue();
  }

  @Test
  void limitsVeryLongKeysLikeAnyOtherKey() {
    RateLimitPolicy policy = RateLimitPolicy.of("long-keys", 1, Duration.ofHours(1));
    String longKey = key + "x".repeat(10_000);

    assertThat(limiter().tryAcquire(longKey + "a", policy).allowed()).isTrue();
    assertThat(limiter().tryAcquire(longKey + "a", policy).allowed()).isFalse();
    assertThat(limiter().tryAcquire(longKey + "b", policy).allowed())
        .as("keys differing only after character 10,000 are different keys").isTrue();
  }

  @Test
  void keysThatDifferOnlyInAnUnpairedSurrogateAreDifferentKeys() {
    RateLimitPolicy policy = RateLimitPolicy.of("surrogates", 1, Duration.ofHours(1));

    assertThat(limiter().tryAcquire(key + "\uD800", policy).allowed()).isTrue();
    assertThat(limiter().tryAcquire(key + "\uDBFF", policy).allowed()).isTrue();
    assertThat(limiter().tryAcquire(key + "?", policy).allowed()).isTrue();
    assertThat(limiter().tryAcquire(key + "\uD800", policy).allowed()).isFalse();
  }

  @Test
  void aKeySpelledLikeTheDigestOfALongKeyIsADifferentKey() {
    RateLimitPolicy policy = RateLimitPolicy.of("spelled", 1, Duration.ofHours(1));
    String longKey = key + "x".repeat(300);
    String spelledLikeItsDigest = policy.storageKey(longKey).substring(policy.name().length() + 1);

    assertThat(limiter().tryAcquire(longKey, policy).allowed()).isTrue();
    assertThat(limiter().tryAcquire(spelledLikeItsDigest, policy).allowed()).isTrue();
    assertThat(limiter().tryAcquire(spelledLikeItsDigest, policy).allowed()).isFalse();
  }

  @Test
  void keysWithBracesAreLimitedLikeAnyOtherKey() {
    RateLimitPolicy policy = RateLimitPolicy.of("braces", 1, Duration.ofHours(1));
    List<String> keys = List.of("}" + key, "{" + key + "}", key + "{", key + "}x", "{}" + key);

    for (String braced : keys) {
      assertThat(limiter().tryAcquire(braced, policy).allowed()).as("first request of %s", braced).isTrue();
    }
    for (String braced : keys) {
      assertThat(limiter().tryAcquire(braced, policy).allowed()).as("second request of %s", braced).isFalse();
    }
  }

  @Test
  void decidesAsynchronouslyLikeSynchronously() throws Exception {
    RateLimitPolicy policy = RateLimitPolicy.of("async", 2, Duration.ofHours(1));

    RateLimitDecision first = limiter().tryAcquireAsync(key, policy, 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
    RateLimitDecision second = limiter().tryAcquireAsync(key, policy, 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
    RateLimitDecision third = limiter().tryAcquireAsync(key, policy, 1).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(first.allowed()).isTrue();
    assertThat(first.remaining()).isEqualTo(1);
    assertThat(second.allowed()).isTrue();
    assertThat(third.allowed()).isFalse();
    assertThat(third.backend()).isEqualTo(expectedBackend());
  }
}
