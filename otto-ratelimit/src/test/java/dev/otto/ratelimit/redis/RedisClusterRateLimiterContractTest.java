package dev.otto.ratelimit.redis;

import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.RedisClockContract;
import dev.otto.testsupport.RedisClusterProcesses;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Redis limiter on a Redis Cluster of three private primaries keeps the contract every back end keeps:
 * each test's key lands on whichever node owns its slot, so the suite runs on all of them.
 */
class RedisClusterRateLimiterContractTest extends RedisClockContract {

  private static RedisClusterProcesses cluster;
  private static RedisRateLimiter limiter;

  @BeforeAll
  static void connect() {
    cluster = RedisClusterProcesses.start(3);
    limiter = RedisRateLimiter.builder()
        .clusterUri(cluster.uri())
        // Generous: this suite checks decisions, not latency, on a machine shared with other builds.
        .commandTimeout(Duration.ofSeconds(5))
        .build();
  }

  @AfterAll
  static void close() {
    if (limiter != null) {
      limiter.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  protected RateLimiter limiter() {
    return limiter;
  }
}
