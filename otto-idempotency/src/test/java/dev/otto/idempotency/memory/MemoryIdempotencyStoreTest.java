package dev.otto.idempotency.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MemoryIdempotencyStoreTest {

  private final FakeClock clock = new FakeClock();

  @Test
  void refusesAnUnusableMaximumNamingIt() {
    assertThatThrownBy(() -> MemoryIdempotencyStore.builder().maximumKeys(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumKeys must be positive: 0");
  }

  @Test
  void refusesLeasesAndTimesToLiveThatCannotWork() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.create();

    assertThatThrownBy(() -> store.claim("k", "f", "o", Duration.ZERO, Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("lease must be positive: PT0S");
    assertThatThrownBy(() -> store.claim("k", "f", "o", Duration.ofMinutes(2), Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ttl must not be shorter than the lease");
    assertThatThrownBy(() -> store.claim("", "f", "o", Duration.ofMinutes(1), Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("key must not be empty");
  }

  @Test
  void forgetsAnInProgressRecordWhenItsTimeToLivePasses() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();
    store.claim("k", "f", "crashed", Duration.ofSeconds(1), Duration.ofSeconds(10));

    clock.advance(Duration.ofSeconds(10));

    assertThat(store.find("k")).isEmpty();
    assertThat(store.complete("k", "crashed", new dev.otto.idempotency.StoredResponse(200, java.util.List.of(),
        new byte[0]), Duration.ofMinutes(1))).isFalse();
  }

  @Test
  void staysWithinItsMaximumNumberOfKeys() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().maximumKeys(100).clock(clock).build();

    for (int i = 0; i < 1_000; i++) {
      assertThat(store.claim("key-" + i, "f", "o", Duration.ofMinutes(1), Duration.ofHours(1)))
          .isInstanceOf(ClaimResult.Claimed.class);
    }

    Waiting.awaitCleanUp(store);
    assertThat(store.toString()).contains("maximumKeys=100");
    long present = 0;
    for (int i = 0; i < 1_000; i++) {
      present += store.find("key-" + i).isPresent() ? 1 : 0;
    }
    assertThat(present).isLessThanOrEqualTo(100);
  }

  /** Caffeine evicts asynchronously; reading every key drains its buffers. */
  private static final class Waiting {

    static void awaitCleanUp(MemoryIdempotencyStore store) {
      dev.otto.idempotency.Waiting.awaitTrue(Duration.ofSeconds(10), "eviction down to the maximum", () -> {
        long present = 0;
        for (int i = 0; i < 1_000; i++) {
          present += store.find("key-" + i).isPresent() ? 1 : 0;
        }
        return present <= 100;
      });
    }
  }
}
