package dev.otto.ratelimit.fallback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.RedisClockContract;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import dev.otto.testsupport.TestServices;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** Over a healthy Redis, the fallback limiter decides on Redis and keeps the same contract. */
class FallbackRateLimiterContractTest extends RedisClockContract {

  private static RedisRateLimiter redis;
  private static FallbackRateLimiter limiter;

  @BeforeAll
  static void connect() {
    redis = RedisRateLimiter.builder()
        .uri(TestServices.redis().uri())
        .keyPrefix("otto:rl:test:" + UUID.randomUUID() + ":")
        .commandTimeout(Duration.ofSeconds(5))
        .build();
    limiter = FallbackRateLimiter.builder().primary(redis).build();
  }

  @AfterAll
  static void close() {
    limiter.close();
    redis.close();
  }

  @AfterEach
  void stayedOnRedis() {
    assertThat(limiter.isDegraded()).isFalse();
  }

  @Override
  protected RateLimiter limiter() {
    return limiter;
  }
}
