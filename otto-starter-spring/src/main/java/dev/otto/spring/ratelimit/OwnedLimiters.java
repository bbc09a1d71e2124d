package dev.otto.spring.ratelimit;

import dev.otto.ratelimit.local.LocalRateLimiter;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import org.jspecify.annotations.Nullable;

/**
 * The limiters that {@link OttoRateLimitAutoConfiguration} creates behind its {@code RateLimiter}: it
 * created them, so it closes them when the application stops (the fallback limiter built on them closes
 * neither, as neither is its own). A bean of its own, so that Spring destroys it after the limiter that
 * uses it.
 */
final class OwnedLimiters implements AutoCloseable {

  final LocalRateLimiter local;
  final @Nullable RedisRateLimiter redis;

  OwnedLimiters(LocalRateLimiter local, @Nullable RedisRateLimiter redis) {
    this.local = local;
    this.redis = redis;
  }

  /** Closes the Redis limiter's connection and client, and ends the local limiter's clock thread. */
  @Override
  public void close() {
    try {
      if (redis != null) {
        redis.close();
      }
    } finally {
      local.close();
    }
  }
}
