package dev.otto.ratelimit.redis;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The keys the limiter's probe writes: one key on a standalone Redis, and on a Redis Cluster one key on each
 * primary that holds slots, so that a probe succeeds only when every node that takes decisions answers
 * (a fixed key would test one node and let the fallback close its breaker while another is down).
 *
 * <p>A cluster key is {@code <prefix>probe{<tag>}}, whose hash tag falls in the first slot of its node; tags
 * are found by trying short strings (about 16 000 CRC16 sums on average) and kept per slot. Thread-safe.
 */
final class ProbeKeys {

  /** Short tags are plenty: every slot is hit long before this many (checked for every slot by a test). */
  private static final int MAX_TAGS = 36 * 36 * 36 * 36;

  private final String prefix;
  private final List<String[]> standalone;
  private final ConcurrentHashMap<Integer, String[]> bySlot = new ConcurrentHashMap<>();

  ProbeKeys(String keyPrefix) {
    this.prefix = keyPrefix + "probe";
    this.standalone = Collections.singletonList(new String[] {prefix});
  }

  /**
   * The key sets to probe on this connection, one script call each: a cluster connection's known primaries
   * with slots (by the topology it last read), otherwise, and before a cluster's topology is known, the
   * one key.
   */
  List<String[]> on(StatefulConnection<?, ?> connection) {
    return connection instanceof StatefulRedisClusterConnection<?, ?> cluster
        ? on(cluster.getPartitions())
        : standalone;
  }

  /**
   * The key sets for this topology: one per primary that holds slots (a primary flagged as failing
   * included: its slots have no other owner), none for replicas or a primary whose slots moved away;
   * the one key while the topology is empty.
   */
  List<String[]> on(Iterable<RedisClusterNode> topology) {
    List<String[]> keys = new ArrayList<>();
    for (RedisClusterNode node : topology) {
      if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.hasNoSlots()) {
        keys.add(bySlot.computeIfAbsent(firstSlot(node), this::keyIn));
      }
    }
    return keys.isEmpty() ? standalone : keys;
  }

  private static int firstSlot(RedisClusterNode node) {
    int slot = 0;
    while (!node.hasSlot(slot)) {
      slot++;
    }
    return slot;
  }

  /** The one key used where there is no cluster topology. */
  List<String[]> standalone() {
    return standalone;
  }

  /** A probe key whose hash tag maps to this slot. */
  String[] keyIn(int slot) {
    for (int i = 0; i < MAX_TAGS; i++) {
      String tag = Integer.toString(i, Character.MAX_RADIX);
      if (SlotHash.getSlot(tag) == slot) {
        return new String[] {prefix + '{' + tag + '}'};
      }
    }
    throw new IllegalArgumentException("no probe tag of at most four characters maps to slot " + slot);
  }
}
