package dev.otto.spring.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.RateLimitPolicy;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class FallbackPoliciesTest {

  private static OttoRateLimitProperties.LimitSpec limit(long quota, Duration period) {
    OttoRateLimitProperties.LimitSpec spec = new OttoRateLimitProperties.LimitSpec();
    spec.setQuota(quota);
    spec.setPeriod(period);
    return spec;
  }

  @Test
  void degradesTheConfiguredPolicyOnlyNotAnotherOfTheSameName() {
    OttoRateLimitProperties properties = new OttoRateLimitProperties();
    OttoRateLimitProperties.Policy greeting = new OttoRateLimitProperties.Policy();
    greeting.setLimits(List.of(limit(10, Duration.ofSeconds(10))));
    greeting.setFallbackLimits(List.of(limit(1, Duration.ofSeconds(10))));
    properties.getPolicies().put("greeting", greeting);

    UnaryOperator<RateLimitPolicy> fallbacks = OttoRateLimitAutoConfiguration.fallbackPolicies(properties);

    assertThat(fallbacks.apply(RateLimitPolicy.of("greeting", 10, Duration.ofSeconds(10))))
        .isEqualTo(RateLimitPolicy.of("greeting", 1, Duration.ofSeconds(10)));
    // An application's own policy that shares the name keeps its limits while Redis is unreachable.
    RateLimitPolicy own = RateLimitPolicy.of("greeting", 50, Duration.ofSeconds(1));
    assertThat(fallbacks.apply(own)).isSameAs(own);
    RateLimitPolicy other = RateLimitPolicy.of("other", 10, Duration.ofSeconds(10));
    assertThat(fallbacks.apply(other)).isSameAs(other);
  }
}
