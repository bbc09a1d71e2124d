package dev.otto.spring.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.RateLimiterUnavailableException;
import dev.otto.ratelimit.local.LocalRateLimiter;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import dev.otto.testsupport.TestServices;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Otto closes the limiters it created when the application stops, and only those. */
class OwnedLimitersTest {

  private final WebApplicationContextRunner web = RateLimitContexts.web();

  @Test
  void closesTheRedisLimiterItCreatedWhenTheApplicationStops() {
    AtomicReference<RedisRateLimiter> redis = new AtomicReference<>();
    web.withPropertyValues(
            "otto.redis.url=" + TestServices.redis().uri(),
            "otto.ratelimit.redis.key-prefix=otto:test:" + UUID.randomUUID() + ":")
        .run(context -> {
          OwnedLimiters owned = context.getBean(OwnedLimiters.class);
          assertThat(owned.redis).isNotNull();
          assertThat(context.getBean(RateLimiter.class)).isNotSameAs(owned.local);
          redis.set(owned.redis);
        });

    assertThatThrownBy(() -> redis.get().tryAcquire("k", RateLimitPolicy.of("p", 10, Duration.ofSeconds(1))))
        .isInstanceOf(RateLimiterUnavailableException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void withoutRedisTheLimiterIsTheLocalOneItCloses() {
    web.run(context -> {
      OwnedLimiters owned = context.getBean(OwnedLimiters.class);
      assertThat(owned.redis).isNull();
      assertThat(context.getBean(RateLimiter.class)).isSameAs(owned.local);
    });
  }

  @Test
  void anApplicationLimiterLeavesNothingForOttoToCreateOrClose() {
    web.withUserConfiguration(OwnLimiter.class)
        .withPropertyValues("otto.redis.url=" + TestServices.redis().uri())
        .run(context -> {
          assertThat(context).doesNotHaveBean(OwnedLimiters.class);
          assertThat(context.getBean(RateLimiter.class)).isSameAs(context.getBean(OwnLimiter.class).limiter);
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnLimiter {

    final RateLimiter limiter = LocalRateLimiter.builder().build();

    @Bean
    RateLimiter applicationLimiter() {
      return limiter;
    }
  }
}
