package dev.otto.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiterUnavailableException;
import dev.otto.ratelimit.fallback.FallbackRateLimiter;
import dev.otto.testsupport.RedisClusterProcesses;
import dev.otto.testsupport.RedisServerProcess;
import dev.otto.testsupport.Waiting;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis limiter on a Redis Cluster of three private primaries: decisions reach the node that owns their
 * keys, multi-limit decisions never cross slots, a node that lost its scripts is sent them again, and the
 * probe (so the fallback's breaker) follows every primary, not one.
 */
class RedisRateLimiterClusterTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private static RedisClusterProcesses cluster;

  private final RateLimitPolicy policy = RateLimitPolicy.builder("cluster")
      .limit(3, Duration.ofHours(1))
      .limit(100, Duration.ofDays(1))
      .build();

  @BeforeAll
  static void startCluster() {
    cluster = RedisClusterProcesses.start(3);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private final String keyPrefix = "otto:rl:test:" + UUID.randomUUID() + ":";

  private RedisRateLimiter limiter() {
    return RedisRateLimiter.builder()
        .clusterUri(cluster.uri())
        .keyPrefix(keyPrefix)
        .commandTimeout(TIMEOUT)
        .build();
  }

  private RedisServerProcess nodeOf(RedisRateLimiter limiter, String key) {
    return ClusterKeys.nodeOf(cluster, limiter, policy, key);
  }

  private String keyOn(RedisRateLimiter limiter, RedisServerProcess node) {
    return ClusterKeys.keyOn(cluster, limiter, policy, node);
  }

  private static long keysOn(RedisServerProcess node) {
    RedisClient client = RedisClient.create(node.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      return connection.sync().dbsize();
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void limitsEveryKeyExactlyOnWhicheverPrimaryOwnsIt() {
    try (RedisRateLimiter limiter = limiter()) {
      Set<RedisServerProcess> reached = new HashSet<>();
      for (int i = 0; i < 60; i++) {
        String key = "client-" + i;
        for (int call = 0; call < 3; call++) {
          assertThat(limiter.tryAcquire(key, policy).allowed()).as("%s call %d", key, call).isTrue();
        }
        assertThat(limiter.tryAcquire(key, policy).allowed()).as("%s over its quota", key).isFalse();
        reached.add(nodeOf(limiter, key));
      }
      assertThat(reached).as("60 keys spread over the three primaries").hasSize(3);
      for (RedisServerProcess node : cluster.nodes()) {
        assertThat(keysOn(node)).as("keys written on %s", node).isPositive();
      }
    }
  }

  @Test
  void sendsTheScriptAgainToANodeThatLostIt() {
    try (RedisRateLimiter limiter = limiter()) {
      RedisServerProcess node = cluster.nodes().get(2);
      String key = keyOn(limiter, node);
      assertThat(limiter.tryAcquire(key, policy).allowed()).isTrue();
      RedisClient client = RedisClient.create(node.uri());
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        connection.sync().scriptFlush();
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
      assertThat(limiter.tryAcquire(key, policy).remaining()).isEqualTo(1);
      assertThat(limiter.tryAcquireAsync(key, policy, 1).toCompletableFuture().join().remaining()).isZero();
    }
  }

  @Test
  void probesEveryPrimarySoTheFallbackStaysLocalUntilTheDeadOneIsBack() {
    try (RedisRateLimiter redis = limiter();
        FallbackRateLimiter limiter = FallbackRateLimiter.builder()
            .primary(redis)
            .failureThreshold(1)
            .probeInterval(Duration.ofMillis(100))
            .build()) {
      // A probe of one fixed key would reach only the node that owns it: let another one die.
      RedisServerProcess fixedProbeNode =
          cluster.nodeFor(SlotHash.getSlot(new ProbeKeys(keyPrefix).standalone().get(0)[0]));
      RedisServerProcess dying = cluster.nodes().stream().filter(node -> node != fixedProbeNode).findFirst()
          .orElseThrow();
      String onDying = keyOn(redis, dying);
      String onLiving = keyOn(redis, fixedProbeNode);
      redis.probe().toCompletableFuture().join();
      assertThat(limiter.tryAcquire(onDying, policy).backend()).isEqualTo(RateLimitBackend.REDIS);

      dying.kill();
      try {
        Waiting.awaitTrue(Duration.ofSeconds(10), "the fallback degraded",
            () -> limiter.tryAcquire(onDying, policy).backend() == RateLimitBackend.LOCAL);
        // The living primaries still answer, but the probe reaches the dead one too: the breaker stays open.
        assertThat(redis.tryAcquire(onLiving, policy).backend()).isEqualTo(RateLimitBackend.REDIS);
        assertThatThrownBy(() -> redis.probe().toCompletableFuture().join())
            .isInstanceOf(CompletionException.class)
            .hasCauseInstanceOf(RateLimiterUnavailableException.class);
        try (RedisRateLimiter connecting = limiter()) {
          assertThatThrownBy(() -> connecting.probe().toCompletableFuture().join())
              .as("a probe made while connecting still reaches every primary")
              .hasCauseInstanceOf(RateLimiterUnavailableException.class);
        }
        long end = System.nanoTime() + Duration.ofMillis(500).toNanos(); // five probe intervals
        while (System.nanoTime() < end) {
          assertThat(limiter.tryAcquire(onLiving, policy).backend()).as("local while a primary is down")
              .isEqualTo(RateLimitBackend.LOCAL);
          Waiting.awaitElapsed(Duration.ofMillis(10));
        }
      } finally {
        dying.restart();
        cluster.awaitServing(); // the other tests share the cluster
      }
      Waiting.awaitTrue(Duration.ofSeconds(15), "decisions back on Redis once every primary answers",
          () -> limiter.tryAcquire(onDying, policy).backend() == RateLimitBackend.REDIS);
    }
  }

  @Test
  void usesTheUsersClusterClientOrConnectionAndLeavesThemOpen() {
    RedisClusterClient client = RedisClusterClient.create(cluster.uri());
    try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
      String prefix = "otto:rl:test:" + UUID.randomUUID() + ":";
      try (RedisRateLimiter limiter = RedisRateLimiter.builder()
          .client(client).keyPrefix(prefix).commandTimeout(TIMEOUT).build()) {
        assertThat(limiter.tryAcquire("a", policy).remaining()).isEqualTo(2);
      }
      try (RedisRateLimiter limiter = RedisRateLimiter.builder()
          .connection(connection).keyPrefix(prefix).commandTimeout(TIMEOUT).build()) {
        assertThat(limiter.tryAcquire("a", policy).remaining()).isEqualTo(1);
        assertThat(limiter.probe().toCompletableFuture().join()).isNull();
      }
      assertThat(connection.isOpen()).isTrue();
      assertThat(connection.sync().ping()).isEqualTo("PONG");
      try (StatefulRedisClusterConnection<String, String> another = client.connect()) {
        assertThat(another.sync().ping()).as("the client is still usable").isEqualTo("PONG");
      }
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Test
  void rejectsAClusterUriThatIsNoUriWithoutShowingIt() {
    assertThatThrownBy(() -> RedisRateLimiter.builder().clusterUri("redis://:secret@[bad"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("clusterUri")
        .hasMessageNotContaining("secret");
    assertThatThrownBy(() -> RedisRateLimiter.builder().clusterUri(cluster.uri()).uri("redis://localhost").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("got 2");
  }
}
