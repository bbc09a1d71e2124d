package dev.otto.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitDecisionTest {

  private static final Limit LIMIT = Limit.of(10, Duration.ofSeconds(10));

  private static RateLimitDecision rejected(Duration retryAfter, Duration resetAfter) {
    return new RateLimitDecision(false, 0, resetAfter.toNanos(), retryAfter.toNanos(), LIMIT, RateLimitBackend.REDIS);
  }

  @Test
  void roundsRetryAfterUpToWholeSecondsAndAtLeastOneWhenRejected() {
    assertThat(rejected(Duration.ofMillis(1), Duration.ZERO).retryAfterSeconds()).isEqualTo(1);
    assertThat(rejected(Duration.ofSeconds(2), Duration.ZERO).retryAfterSeconds()).isEqualTo(2);
    assertThat(rejected(Duration.ofMillis(2001), Duration.ZERO).retryAfterSeconds()).isEqualTo(3);
    assertThat(rejected(Duration.ZERO, Duration.ZERO).retryAfterSeconds()).isEqualTo(1);
  }

  @Test
  void roundsResetAfterUp() {
    assertThat(rejected(Duration.ofSeconds(1), Duration.ofNanos(1)).resetAfterSeconds()).isEqualTo(1);
    assertThat(rejected(Duration.ofSeconds(1), Duration.ofSeconds(9)).resetAfterSeconds()).isEqualTo(9);
    assertThat(rejected(Duration.ofSeconds(1), Duration.ZERO).resetAfterSeconds()).isZero();
  }

  @Test
  void hasNoRetryAfterWhenAllowed() {
    RateLimitDecision allowed = new RateLimitDecision(true, 3, Duration.ofSeconds(7).toNanos(), 0, LIMIT,
        RateLimitBackend.LOCAL);
    assertThat(allowed.retryAfterSeconds()).isZero();
    assertThatThrownBy(() -> new RateLimitDecision(true, 3, 0, Duration.ofSeconds(1).toNanos(), LIMIT,
        RateLimitBackend.LOCAL)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("retryAfter");
    assertThatThrownBy(() -> new RateLimitDecision(true, -1, 0, 0, LIMIT,
        RateLimitBackend.LOCAL)).isInstanceOf(IllegalArgumentException.class).hasMessage("remaining must not be negative: -1");
  }

  @Test
  void namesBackEndsForMetricTags() {
    assertThat(RateLimitBackend.REDIS.tagValue()).isEqualTo("redis");
    assertThat(RateLimitBackend.LOCAL.tagValue()).isEqualTo("local");
    assertThat(RateLimitBackend.NONE.tagValue()).isEqualTo("none");
  }
}
