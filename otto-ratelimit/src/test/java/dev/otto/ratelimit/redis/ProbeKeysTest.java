package dev.otto.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import java.util.BitSet;
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
  void probesOneFixedKeyOutsideACluster() {
    assertThat(keys.standalone()).singleElement().satisfies(key -> assertThat(key).containsExactly("otto:rl:probe"));
  }
}
