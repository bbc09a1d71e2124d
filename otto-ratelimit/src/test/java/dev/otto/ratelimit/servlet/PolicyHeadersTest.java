package dev.otto.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PolicyHeadersTest {

  @Test
  void aSingleLimitIsOneItemNamedAfterThePolicy() {
    RateLimitPolicy policy = RateLimitPolicy.of("greeting", 10, Duration.ofSeconds(10));
    PolicyHeaders headers = new PolicyHeaders(policy);
    assertThat(headers.policyItems()).isEqualTo("\"greeting\";q=10;w=10");
    RateLimitDecision decision = new RateLimitDecision(true, 7, Duration.ofMillis(3_001).toNanos(), 0,
        policy.limits().get(0), RateLimitBackend.LOCAL);
    assertThat(headers.rateLimitItem(decision)).isEqualTo("\"greeting\";r=7;t=4");
  }

  @Test
  void severalLimitsAreItemsNumberedFromTheSecondAndTheDecidingOneIsReported() {
    RateLimitPolicy policy = RateLimitPolicy.builder("api")
        .limit(1000, Duration.ofHours(1))
        .limit(10, Duration.ofSeconds(1), 20)
        .build();
    PolicyHeaders headers = new PolicyHeaders(policy);
    assertThat(headers.policyItems()).isEqualTo("\"api\";q=10;w=1, \"api#2\";q=1000;w=3600");
    Limit hourly = policy.limits().get(1);
    RateLimitDecision decision = new RateLimitDecision(false, 0, Duration.ofSeconds(3600).toNanos(),
        Duration.ofMillis(3_600).toNanos(), hourly, RateLimitBackend.REDIS);
    assertThat(headers.rateLimitItem(decision)).isEqualTo("\"api#2\";r=0;t=3600");
  }

  @Test
  void windowsShorterThanASecondOrFractionalAreRoundedUp() {
    assertThat(new PolicyHeaders(RateLimitPolicy.of("fast", 5, Duration.ofMillis(100))).policyItems())
        .isEqualTo("\"fast\";q=5;w=1");
    assertThat(new PolicyHeaders(RateLimitPolicy.of("odd", 5, Duration.ofMillis(2_500))).policyItems())
        .isEqualTo("\"odd\";q=5;w=3");
  }
}
