package dev.otto.ratelimit;

import dev.otto.testsupport.Waiting;
import java.time.Duration;

/**
 * The contract for limiters that decide on Redis, whose script reads the server's clock: time passes for
 * real, so values are checked within bounds, and every decision must come from Redis.
 */
public abstract class RedisClockContract extends RateLimiterContract {

  @Override
  protected void passTime(Duration duration) {
    // Redis reads its own clock; wait a millisecond beyond for microsecond rounding.
    Waiting.awaitElapsed(duration.plusMillis(1));
  }

  @Override
  protected boolean timeIsExact() {
    return false;
  }

  @Override
  protected RateLimitBackend expectedBackend() {
    return RateLimitBackend.REDIS;
  }
}
