package dev.otto.idempotency.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.otto.idempotency.CapturedLogs;
import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.FakeClock;
import dev.otto.idempotency.IdempotencyRecord;
import dev.otto.idempotency.StoredResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MemoryIdempotencyStoreTest {

  private static final Duration LEASE = Duration.ofMinutes(1);
  private static final Duration TTL = Duration.ofHours(1);
  private static final int KIB = 1024;
  private static final int MIB = 1024 * KIB;

  private final FakeClock clock = new FakeClock();

  @Test
  void refusesAnUnusableMaximumNamingIt() {
    assertThatThrownBy(() -> MemoryIdempotencyStore.builder().maximumKeys(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumKeys must be positive: 0");
  }

  @Test
  void refusesAnUnusableMaximumOfBytesNamingIt() {
    assertThatThrownBy(() -> MemoryIdempotencyStore.builder().maximumBytes(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumBytes must be positive: 0");
    assertThatThrownBy(() -> MemoryIdempotencyStore.builder().maximumBytes(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maximumBytes must be positive: -1");
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
    assertThat(store.complete("k", "crashed", response(0), Duration.ofMinutes(1))).isFalse();
  }

  @Test
  void staysWithinItsMaximumNumberOfKeys() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().maximumKeys(100).clock(clock).build();

    for (int i = 0; i < 1_000; i++) {
      assertThat(store.claim("key-" + i, "f", "o", LEASE, TTL)).isInstanceOf(ClaimResult.Claimed.class);
    }
    store.cleanUp();

    assertThat(store.toString()).contains("maximumKeys=100");
    assertThat(present(store, 1_000)).isLessThanOrEqualTo(100);
  }

  @Test
  void staysWithinItsMaximumNumberOfKeysWhenBytesAllowFarMore() {
    // maximumBytes / maximumKeys is beyond what one record's int weight can say: the total is lowered instead.
    MemoryIdempotencyStore store = bounded(2, Long.MAX_VALUE);

    for (int i = 0; i < 10; i++) {
      store.claim("key-" + i, "f", "o", LEASE, TTL);
    }
    store.cleanUp();

    assertThat(present(store, 10)).isLessThanOrEqualTo(2);
  }

  @Test
  void theDefaultsHoldAHundredThousandClaimsOfTheFiltersShape() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();

    for (int i = 0; i < 100_000; i++) {
      store.claim(hex64(i), hex64(~i), new UUID(i, ~i).toString(), LEASE, TTL);
    }
    store.cleanUp();

    assertThat(store.toString()).contains("maximumKeys=100000", "maximumBytes=" + 64 * MIB);
    assertThat(store.weightedBytes()).isLessThanOrEqualTo(64L * MIB);
    for (int i = 0; i < 100_000; i++) {
      assertThat(store.find(hex64(i))).as("claim %d", i).isPresent();
    }
  }

  @Test
  void staysWithinItsMaximumBytesUnderManyLargeResponses() {
    MemoryIdempotencyStore store = bounded(10_000, 4L * MIB);

    storeResponses(store, 200, 256 * KIB);
    store.cleanUp();

    assertThat(store.weightedBytes()).isLessThanOrEqualTo(4L * MIB);
    assertThat(present(store, 200)).isBetween(1L, 15L); // 16 bodies of 256 KiB would fill 4 MiB without overhead
  }

  @Test
  void weighsAClaimAgainOnceItIsCompletedWithAResponse() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();
    store.claim("k", "f", "o", LEASE, TTL);
    store.cleanUp();
    long claimed = store.weightedBytes();

    store.complete("k", "o", response(MIB), TTL);
    store.cleanUp();

    assertThat(claimed).isLessThan(KIB);
    assertThat(store.weightedBytes()).isGreaterThan(MIB);
  }

  @Test
  void evictsClaimsOnceTheirCompletedResponsesOutweighTheBound() {
    MemoryIdempotencyStore store = bounded(1_000, 3L * MIB);
    for (int i = 0; i < 10; i++) {
      store.claim("key-" + i, "f", "o", LEASE, TTL);
    }
    store.cleanUp();
    assertThat(present(store, 10)).as("ten claims are light").isEqualTo(10);

    for (int i = 0; i < 10; i++) {
      store.complete("key-" + i, "o", response(MIB), TTL);
    }
    store.cleanUp();

    assertThat(store.weightedBytes()).isLessThanOrEqualTo(3L * MIB);
    assertThat(present(store, 10)).isLessThanOrEqualTo(2);
  }

  @Test
  void keepsSmallRecordsThatFitUnderTheByteBound() {
    MemoryIdempotencyStore store = bounded(1_000, 2L * MIB);

    storeResponses(store, 1_000, KIB);
    store.cleanUp();

    for (int i = 0; i < 1_000; i++) {
      assertThat(store.find("key-" + i)).as("key-%d", i).hasValueSatisfying(
          record -> assertThat(record.state()).isEqualTo(IdempotencyRecord.State.COMPLETED));
    }
    assertThat(store.weightedBytes()).isGreaterThan(1_000L * KIB).isLessThanOrEqualTo(2L * MIB);
  }

  @Test
  void doesNotStoreAResponseLargerThanTheWholeBoundButReleasesItsKeyAndSaysSo() {
    MemoryIdempotencyStore store = bounded(MemoryIdempotencyStore.DEFAULT_MAXIMUM_KEYS, MIB);
    store.claim("small", "f", "o", LEASE, TTL);
    store.complete("small", "o", response(KIB), TTL);
    store.claim("large", "f", "o", LEASE, TTL);

    try (CapturedLogs logs = CapturedLogs.of(MemoryIdempotencyStore.class)) {
      assertThat(store.complete("large", "o", response(MIB), TTL)).isTrue();

      assertThat(logs.at(Level.WARN)).singleElement().satisfies(event -> assertThat(event.getFormattedMessage())
          .contains("1048576 body bytes", "not stored", "released", "maximumBytes"));
    }
    store.cleanUp();

    assertThat(store.find("large")).isEmpty();
    assertThat(store.claim("large", "f", "retry", LEASE, TTL)).isInstanceOf(ClaimResult.Claimed.class);
    assertThat(store.find("small")).hasValueSatisfying(
        record -> assertThat(record.state()).isEqualTo(IdempotencyRecord.State.COMPLETED));
  }

  @Test
  void neverDropsAClaimForItsOwnSizeEvenUnderATinyBound() {
    MemoryIdempotencyStore store = bounded(MemoryIdempotencyStore.DEFAULT_MAXIMUM_KEYS, 1);

    assertThat(store.claim("k", "f", "first", LEASE, TTL)).isInstanceOf(ClaimResult.Claimed.class);
    store.cleanUp();

    assertThat(store.claim("k", "f", "duplicate", LEASE, TTL)).isInstanceOf(ClaimResult.InFlight.class);
  }

  private MemoryIdempotencyStore bounded(long maximumKeys, long maximumBytes) {
    return MemoryIdempotencyStore.builder().maximumKeys(maximumKeys).maximumBytes(maximumBytes).clock(clock).build();
  }

  /**
   * Claims and completes {@code key-0} to {@code key-(keys - 1)}, as the filter does for new requests. Under
   * pressure a claim may be evicted before it is completed (then {@code complete} answers false), so the
   * callers assert what the store holds afterwards.
   */
  private static void storeResponses(MemoryIdempotencyStore store, int keys, int bodyBytes) {
    for (int i = 0; i < keys; i++) {
      assertThat(store.claim("key-" + i, "f", "o", LEASE, TTL)).isInstanceOf(ClaimResult.Claimed.class);
      store.complete("key-" + i, "o", response(bodyBytes), TTL);
    }
  }

  private static StoredResponse response(int bodyBytes) {
    return new StoredResponse(200, List.of(new StoredResponse.Header("Content-Type", "application/json")),
        new byte[bodyBytes]);
  }

  private static long present(MemoryIdempotencyStore store, int keys) {
    long present = 0;
    for (int i = 0; i < keys; i++) {
      present += store.find("key-" + i).isPresent() ? 1 : 0;
    }
    return present;
  }

  /** A 64-hex-character string, as the filter's SHA-256 store keys and fingerprints are. */
  private static String hex64(long i) {
    String hex = Long.toHexString(i);
    return "0".repeat(64 - hex.length()) + hex;
  }
}
