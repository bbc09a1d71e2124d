package dev.otto.ratelimit.redis;

import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.RedisClockContract;
import dev.otto.testsupport.TestServices;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Redis limiter, on the shared test Redis, keeps the contract every back end keeps. Keys carry a
 * random prefix and expire by themselves; nothing is flushed.
 */
class RedisRateLimiterContractTest extends RedisClockContract {

  private static RedisRateLimiter limiter;

  @BeforeAll
  static void connect() {
    limiter = RedisRateLimiter.builder()
        .uri(TestServices.redis().uri())
        .keyPrefix("otto:rl:test:" + UUID.randomUUID() + ":")
        // Generous: this suite checks decisions, not latency, on a machine shared with other builds.
        .commandTimeout(Duration.ofSeconds(5))
        .build();
  }

  @AfterAll
  static void close() {
    limiter.close();
  }

  @Override
  protected RateLimiter limiter() {
    return limiter;
  }
}
