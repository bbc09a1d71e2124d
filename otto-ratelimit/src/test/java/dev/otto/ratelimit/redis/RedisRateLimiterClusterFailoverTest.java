package dev.otto.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.fallback.FallbackRateLimiter;
import dev.otto.testsupport.RedisClusterProcesses;
import dev.otto.testsupport.RedisServerProcess;
import dev.otto.testsupport.Waiting;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A primary of a private Redis Cluster dies and its replica takes over: the limiter that Otto's cluster
 * client drives follows the new topology by itself, and behind the fallback no decision fails meanwhile.
 */
class RedisRateLimiterClusterFailoverTest {

  private final RateLimitPolicy policy = RateLimitPolicy.of("failover", 1_000_000, Duration.ofHours(1));

  @Test
  void decidesOnTheReplicaThatTookOverFromADeadPrimary() {
    try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3, 1);
        RedisRateLimiter redis = RedisRateLimiter.builder()
            .clusterUri(cluster.uri())
            .commandTimeout(Duration.ofMillis(500))
            .build();
        FallbackRateLimiter limiter = FallbackRateLimiter.builder()
            .primary(redis)
            .failureThreshold(1)
            .probeInterval(Duration.ofMillis(100))
            .build()) {
      RedisServerProcess dying = cluster.primaries().get(0);
      String key = ClusterKeys.keyOn(cluster, redis, policy, dying);
      Waiting.awaitTrue(Duration.ofSeconds(10), "decisions on Redis",
          () -> limiter.tryAcquire(key, policy).backend() == RateLimitBackend.REDIS);

      dying.kill();
      // Every decision is made (locally while the slot has no primary); none throws. Here the failover and
      // the topology refresh took under 5 s; the bound leaves room for a slow machine.
      Waiting.awaitTrue(Duration.ofSeconds(40), "decisions on the promoted replica", () -> {
        RateLimitDecision decision = limiter.tryAcquire(key, policy);
        assertThat(decision.allowed()).isTrue();
        return decision.backend() == RateLimitBackend.REDIS;
      });
      assertThat(redis.probe().toCompletableFuture().join()).as("the dead primary holds no slots").isNull();
    }
  }
}
