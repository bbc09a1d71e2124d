package dev.otto.ratelimit.local;

import dev.otto.ratelimit.FakeClock;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.RateLimiterContract;
import java.time.Duration;

/** The local limiter, on a fake clock, keeps the contract every back end keeps. */
class LocalRateLimiterContractTest extends RateLimiterContract {

  private final FakeClock clock = new FakeClock();
  private final LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).build();

  @Override
  protected RateLimiter limiter() {
    return limiter;
  }

  @Override
  protected void passTime(Duration duration) {
    clock.advance(duration);
  }

  @Override
  protected boolean timeIsExact() {
    return true;
  }

  @Override
  protected RateLimitBackend expectedBackend() {
    return RateLimitBackend.LOCAL;
  }

  /** Leases from the first request: on a busy machine threads may not collide often enough to start them. */
  @Override
  protected void expectContention(String key, RateLimitPolicy policy) {
    limiter.startLeasing(key, policy);
  }
}
