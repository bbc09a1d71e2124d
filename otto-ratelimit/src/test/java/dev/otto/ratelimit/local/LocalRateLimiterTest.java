package dev.otto.ratelimit.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.ratelimit.FakeClock;
import dev.otto.ratelimit.RateLimitPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LocalRateLimiterTest {

  private final FakeClock clock = new FakeClock();

  @Test
  void forgetsAKeyOnceItsBucketIsFullAgain() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).build();
    RateLimitPolicy policy = RateLimitPolicy.of("p", 10, Duration.ofSeconds(10)); // τ = 10 s
    limiter.tryAcquire("a", policy);
    limiter.tryAcquire("b", policy);
    assertThat(limiter.keyCount()).isEqualTo(2);

    clock.advance(Duration.ofSeconds(10));
    assertThat(limiter.keyCount()).as("still within the keep margin").isEqualTo(2);
    clock.advance(Duration.ofSeconds(2));
    assertThat(limiter.keyCount()).isZero();
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
  void validatesItsSettings() {
    assertThatThrownBy(() -> LocalRateLimiter.builder().maximumKeys(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumKeys must be at least 1: 0");
  }
}
