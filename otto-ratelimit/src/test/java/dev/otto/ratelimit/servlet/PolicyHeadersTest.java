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
    RateLimitDecision decision = new RateLimitDecision(true, 7, Duration.ofMillis(3_001).toNanos(), 0,
        policy.limits().get(0), RateLimitBackend.LOCAL);
    assertThat(headers.policyItems(decision)).isEqualTo("\"greeting\";q=10;w=10");
    assertThat(headers.rateLimitItem(decision)).isEqualTo("\"greeting\";r=7;t=4");
  }

  @Test
  void severalLimitsAreItemsNumberedFromTheSecondAndTheDecidingOneIsReported() {
    RateLimitPolicy policy = RateLimitPolicy.builder("api")
        .limit(1000, Duration.ofHours(1))
        .limit(10, Duration.ofSeconds(1), 20)
        .build();
    PolicyHeaders headers = new PolicyHeaders(policy);
    Limit hourly = policy.limits().get(1);
    RateLimitDecision decision = new RateLimitDecision(false, 0, Duration.ofSeconds(3600).toNanos(),
        Duration.ofMillis(3_600).toNanos(), hourly, RateLimitBackend.REDIS);
    assertThat(headers.policyItems(decision)).isEqualTo("\"api\";q=10;w=1, \"api#2\";q=1000;w=3600");
    assertThat(headers.rateLimitItem(decision)).isEqualTo("\"api#2\";r=0;t=3600");
  }

  @Test
  void aDecisionUnderOtherLimitsAdvertisesTheLimitThatDecided() {
    RateLimitPolicy policy = RateLimitPolicy.builder("api")
        .limit(10, Duration.ofSeconds(1))
        .limit(1000, Duration.ofHours(1))
        .build();
    // A fallback's degraded policy: same name, a tenth of the shared limit per instance.
    Limit degraded = Limit.of(1, Duration.ofSeconds(1));
    RateLimitDecision decision =
        new RateLimitDecision(true, 0, Duration.ofSeconds(1).toNanos(), 0, degraded, RateLimitBackend.LOCAL);
    PolicyHeaders headers = new PolicyHeaders(policy);
    assertThat(headers.policyItems(decision)).isEqualTo("\"api\";q=1;w=1");
    assertThat(headers.rateLimitItem(decision)).isEqualTo("\"api\";r=0;t=1");
  }

  @Test
  void windowsShorterThanASecondOrFractionalAreRoundedUp() {
    assertThat(items(RateLimitPolicy.of("fast", 5, Duration.ofMillis(100)))).isEqualTo("\"fast\";q=5;w=1");
    assertThat(items(RateLimitPolicy.of("odd", 5, Duration.ofMillis(2_500)))).isEqualTo("\"odd\";q=5;w=3");
  }

  private static String items(RateLimitPolicy policy) {
    Limit limit = policy.limits().get(0);
    return new PolicyHeaders(policy).policyItems(
        new RateLimitDecision(true, limit.burst() - 1, 0, 0, limit, RateLimitBackend.LOCAL));
  }
}
