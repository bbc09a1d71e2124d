package dev.otto.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CheckResultTest {

  private static CheckResult upWith(Map<String, Object> details) {
    return CheckResult.up("db", true, Duration.ZERO, details);
  }

  @Test
  void copiesDetailsAllTheWayDownSoTheChecksLaterChangesDoNotShow() {
    Map<String, Object> pool = new HashMap<>();
    pool.put("active", 1);
    List<Object> hosts = new ArrayList<>(List.of("a"));
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("pool", pool);
    details.put("hosts", hosts);

    CheckResult result = upWith(details);
    pool.put("idle", 2);
    hosts.add("b");

    assertThat(result.details()).isEqualTo(Map.of("pool", Map.of("active", 1), "hosts", List.of("a")));
    @SuppressWarnings("unchecked")
    Map<String, Object> copiedPool = (Map<String, Object>) result.details().get("pool");
    assertThatThrownBy(() -> copiedPool.put("idle", 2)).isInstanceOf(UnsupportedOperationException.class);
    @SuppressWarnings("unchecked")
    List<Object> copiedHosts = (List<Object>) result.details().get("hosts");
    assertThatThrownBy(() -> copiedHosts.add("b")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void keepsDetailsJsonLikeWhateverTheCheckReturned() {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("waiting", new AtomicLong(3));
    details.put("threads", new AtomicInteger(4));
    details.put("ids", new int[] {1, 2});
    details.put("names", new String[] {"a", "b"});
    details.put("byHost", Map.of(42, "up"));
    details.put("state", Thread.State.RUNNABLE);

    assertThat(upWith(details).details()).containsExactly(
        Map.entry("waiting", 3L),
        Map.entry("threads", 4L),
        Map.entry("ids", List.of(1, 2)),
        Map.entry("names", List.of("a", "b")),
        Map.entry("byHost", Map.of("42", "up")),
        Map.entry("state", "RUNNABLE"));
  }

  @Test
  void replacesWhatCannotBeCopiedWithAPlaceholderInsteadOfFailing() {
    Object deep = "bottom";
    for (int i = 0; i < 20; i++) {
      deep = List.of(deep);
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("cyclic", OddDetails.indirectlyCyclic());
    details.put("unprintable", OddDetails.unprintable());
    details.put("deep", deep);

    Map<String, Object> copied = upWith(details).details();

    assertThat(copied.get("cyclic")).isEqualTo(Map.of("b", Map.of("a", "(cycle)")));
    assertThat(copied.get("unprintable")).isEqualTo("(unprintable)");
    assertThat(copied.get("deep").toString()).contains("(too deep)").doesNotContain("bottom");
  }
}
