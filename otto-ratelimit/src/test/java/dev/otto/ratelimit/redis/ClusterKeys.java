package dev.otto.ratelimit.redis;

import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.testsupport.RedisClusterProcesses;
import dev.otto.testsupport.RedisServerProcess;
import io.lettuce.core.cluster.SlotHash;

/** Where a limiter's decisions land on a private test cluster (as formed). */
final class ClusterKeys {

  private ClusterKeys() {
  }

  /** The primary that owns the keys of this key's decisions. */
  static RedisServerProcess nodeOf(RedisClusterProcesses cluster, RedisRateLimiter limiter, RateLimitPolicy policy,
      String key) {
    return cluster.nodeFor(SlotHash.getSlot(limiter.keys(key, policy)[0]));
  }

  /** A key whose decisions go to this primary. */
  static String keyOn(RedisClusterProcesses cluster, RedisRateLimiter limiter, RateLimitPolicy policy,
      RedisServerProcess node) {
    for (int i = 0; ; i++) {
      String key = "client-" + i;
      if (nodeOf(cluster, limiter, policy, key) == node) {
        return key;
      }
    }
  }
}
