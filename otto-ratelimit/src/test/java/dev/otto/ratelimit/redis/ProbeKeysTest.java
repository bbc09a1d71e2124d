package dev.otto.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ProbeKeysTest {

  private final ProbeKeys keys = new ProbeKeys("otto:rl:");

  @Test
  void findsAProbeKeyInEverySlot() {
    // Every slot is reached by a tag of at most four base-36 characters, so keyIn never gives up.
    BitSet reached = new BitSet(SlotHash.SLOT_COUNT);
    for (int i = 0; i < 36 * 36 * 36 * 36 && reached.cardinality() < SlotHash.SLOT_COUNT; i++) {
      reached.set(SlotHash.getSlot(Integer.toString(i, Character.MAX_RADIX)));
    }
    assertThat(reached.cardinality()).isEqualTo(SlotHash.SLOT_COUNT);
    for (int slot : new int[] {0, 1, 5460, 5461, 10922, 10923, 16383}) {
      String key = keys.keyIn(slot)[0];
      assertThat(key).startsWith("otto:rl:probe{").endsWith("}");
      assertThat(SlotHash.getSlot(key)).as(key).isEqualTo(slot);
    }
  }

  @Test
  void probesEveryPrimaryThatHoldsSlotsOnceEvenIfItIsFailing() {
    List<RedisClusterNode> topology = List.of(
        node("a", Set.of(NodeFlag.UPSTREAM), 0, 5461),
        node("b", Set.of(NodeFlag.UPSTREAM, NodeFlag.FAIL), 5461, 10923),
        node("c", Set.of(NodeFlag.UPSTREAM), 10923, 16384),
        node("d", Set.of(NodeFlag.REPLICA), 0, 0),
        // A primary whose slots went to its replica in a failover: nothing of it to probe.
        node("e", Set.of(NodeFlag.UPSTREAM, NodeFlag.FAIL), 0, 0));

    assertThat(keys.on(topology)).extracting(key -> SlotHash.getSlot(key[0])).containsExactly(0, 5461, 10923);
  }

  @Test
  void probesTheOneKeyWhileTheTopologyIsUnknown() {
    assertThat(keys.on(List.of())).isSameAs(keys.standalone());
  }

  private static RedisClusterNode node(String id, Set<NodeFlag> flags, int firstSlot, int endSlot) {
    return new RedisClusterNode(RedisURI.create("redis://127.0.0.1:7000"), id, true, null, 0, 0, 0,
        IntStream.range(firstSlot, endSlot).boxed().toList(), flags);
  }

  @Test
  void probesOneFixedKeyOutsideACluster() {
    assertThat(keys.standalone()).singleElement().satisfies(key -> assertThat(key).containsExactly("otto:rl:probe"));
  }
}
