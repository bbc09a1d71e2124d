package dev.otto.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitPolicyTest {

  @Test
  void ordersLimitsByPeriodThenQuota() {
    RateLimitPolicy policy = RateLimitPolicy.builder("api")
        .limit(1000, Duration.ofHours(1))
        .limit(20, Duration.ofSeconds(1))
        .limit(10, Duration.ofSeconds(1), 30)
        .build();
    assertThat(policy.limits()).containsExactly(
        new Limit(10, Duration.ofSeconds(1), 30), Limit.of(20, Duration.ofSeconds(1)),
        Limit.of(1000, Duration.ofHours(1)));
    assertThat(policy.maxPermits()).isEqualTo(20);
    assertThat(policy.name()).isEqualTo("api");
  }

  @Test
  void isAValue() {
    assertThat(RateLimitPolicy.of("a", 1, Duration.ofSeconds(1)))
        .isEqualTo(RateLimitPolicy.builder("a").limit(Limit.of(1, Duration.ofSeconds(1))).build())
        .hasSameHashCodeAs(RateLimitPolicy.of("a", 1, Duration.ofSeconds(1)))
        .isNotEqualTo(RateLimitPolicy.of("b", 1, Duration.ofSeconds(1)))
        .isNotEqualTo(RateLimitPolicy.of("a", 2, Duration.ofSeconds(1)));
  }

  @Test
  void acceptsOnlyTokenNames() {
    assertThat(RateLimitPolicy.of("Api_v2.login-1", 1, Duration.ofSeconds(1)).name()).isEqualTo("Api_v2.login-1");
    for (String bad : new String[] {"", " ", "a b", "a\"b", "a:b", "{a}", "é", "x".repeat(65)}) {
      assertThatThrownBy(() -> RateLimitPolicy.builder(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("policy name must be 1-64 characters of [A-Za-z0-9._-]: '" + bad + "'");
    }
  }

  @Test
  void rejectsAPolicyWithoutLimits() {
    assertThatThrownBy(() -> RateLimitPolicy.builder("empty").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("'empty' needs at least one limit");
  }

  @Test
  void rejectsTheSameQuotaAndPeriodTwice() {
    RateLimitPolicy.Builder builder = RateLimitPolicy.builder("dup").limit(10, Duration.ofSeconds(1));
    assertThatThrownBy(() -> builder.limit(10, Duration.ofSeconds(1), 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already has a limit of 10 per PT1S");
  }

  @Test
  void rejectsPeriodsThatDifferOnlyBelowAMicrosecondAsTheSamePeriod() {
    // Both would be stored under one key per quota and whole microseconds, and charged twice per request.
    RateLimitPolicy.Builder builder = RateLimitPolicy.builder("dup").limit(10, Duration.ofSeconds(1));
    assertThatThrownBy(() -> builder.limit(10, Duration.ofSeconds(1).plusNanos(999)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("policy 'dup' already has a limit of 10 per PT1S (PT1.000000999S is the same period in "
            + "whole microseconds); each quota and period may appear once");
    assertThat(builder.limit(10, Duration.ofSeconds(1).plusNanos(1_000)).build().limits()).hasSize(2);
  }

  @Test
  void checksPermitsAgainstTheSmallestBurst() {
    RateLimitPolicy policy = RateLimitPolicy.builder("p").limit(10, Duration.ofSeconds(1), 3).build();
    assertThat(policy.requirePermits(3)).isEqualTo(3);
    assertThatThrownBy(() -> policy.requirePermits(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("permits must be between 1 and 3 (the smallest burst of policy 'p'): 4");
  }

  @Test
  void storesShortKeysAsTheyAreAndDigestsLongOnes() {
    RateLimitPolicy policy = RateLimitPolicy.of("p", 1, Duration.ofSeconds(1));
    String exactly256 = "k".repeat(256);
    assertThat(policy.storageKey("203.0.113.7")).isEqualTo("p:203.0.113.7");
    assertThat(policy.storageKey(exactly256)).isEqualTo("p:" + exactly256);

    String storage = policy.storageKey("k".repeat(10_000));
    assertThat(storage).matches("p:sha256:[0-9a-f]{64}").isEqualTo(policy.storageKey("k".repeat(10_000)));
    assertThat(policy.storageKey("k".repeat(10_001))).isNotEqualTo(storage);
    assertThat(policy.storageKey("k".repeat(257))).hasSize(2 + 7 + 64);
  }
}
