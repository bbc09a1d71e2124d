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
  void staysWithinItsMaximumNumberOfKeysForCompletedRecords() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().maximumKeys(100).clock(clock).build();

    storeResponses(store, "key-", 1_000, 0);
    store.cleanUp();

    assertThat(store.toString()).contains("maximumKeys=100");
    assertThat(present(store, "key-", 1_000)).isLessThanOrEqualTo(100);
  }

  @Test
  void staysWithinItsMaximumNumberOfKeysWhenBytesAllowFarMore() {
    // maximumBytes / maximumKeys is beyond what one record's int weight can say: the total is lowered instead.
    MemoryIdempotencyStore store = bounded(2, Long.MAX_VALUE);

    storeResponses(store, "key-", 10, 0);
    store.cleanUp();

    assertThat(present(store, "key-", 10)).isLessThanOrEqualTo(2);
  }

  @Test
  void theDefaultsHoldAHundredThousandSmallCompletedRecordsOfTheFiltersShape() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();

    for (int i = 0; i < 100_000; i++) {
      String owner = new UUID(i, ~i).toString();
      store.claim(hex64(i), hex64(~i), owner, LEASE, TTL);
      assertThat(store.complete(hex64(i), owner, response(100), TTL)).isTrue();
    }
    store.cleanUp();

    assertThat(store.toString()).contains("maximumKeys=100000", "maximumBytes=" + 64 * MIB);
    assertThat(store.weightedBytes()).isLessThanOrEqualTo(64L * MIB);
    for (int i = 0; i < 100_000; i++) {
      assertThat(store.find(hex64(i))).as("record %d", i).hasValueSatisfying(
          record -> assertThat(record.state()).isEqualTo(IdempotencyRecord.State.COMPLETED));
    }
  }

  @Test
  void staysWithinItsMaximumBytesUnderManyLargeResponses() {
    MemoryIdempotencyStore store = bounded(10_000, 4L * MIB);

    storeResponses(store, "key-", 200, 256 * KIB);
    store.cleanUp();

    assertThat(store.weightedBytes()).isLessThanOrEqualTo(4L * MIB);
    assertThat(present(store, "key-", 200)).isBetween(1L, 15L); // 16 bodies of 256 KiB would fill 4 MiB alone
  }

  @Test
  void neverEvictsTheClaimOfARunningRequestHoweverManyLargeResponsesAreStored() {
    MemoryIdempotencyStore store = bounded(1_000, 4L * MIB);
    storeResponses(store, "old-", 50, 64 * KIB); // a store nearly full of records older than the claims
    for (int i = 0; i < 50; i++) {
      store.find("old-" + i); // replayed once: more frequent than a new claim, as in a busy store
    }
    for (int i = 0; i < 100; i++) {
      assertThat(store.claim("running-" + i, "f", "owner-" + i, LEASE, TTL)).isInstanceOf(ClaimResult.Claimed.class);
    }

    storeResponses(store, "new-", 100, 256 * KIB); // 25 MiB of responses through a 4 MiB bound
    store.cleanUp();

    assertThat(store.weightedBytes()).isLessThanOrEqualTo(4L * MIB);
    for (int i = 0; i < 100; i++) {
      assertThat(store.claim("running-" + i, "f", "duplicate", LEASE, TTL)).as("duplicate of running-%d", i)
          .isInstanceOf(ClaimResult.InFlight.class);
      assertThat(store.complete("running-" + i, "owner-" + i, response(KIB), TTL)).as("owner of running-%d", i)
          .isTrue();
    }
  }

  @Test
  void countsCompletedRecordsAgainstItsBoundsButNeverRunningClaims() {
    MemoryIdempotencyStore store = bounded(10, MIB);
    for (int i = 0; i < 1_000; i++) {
      store.claim("key-" + i, "f", "o", LEASE, TTL);
    }
    store.cleanUp();

    assertThat(store.weightedBytes()).isZero();
    assertThat(present(store, "key-", 1_000)).isEqualTo(1_000);

    for (int i = 0; i < 1_000; i++) {
      assertThat(store.complete("key-" + i, "o", response(KIB), TTL)).isTrue();
    }
    store.cleanUp();

    assertThat(store.weightedBytes()).isPositive().isLessThanOrEqualTo(MIB);
    assertThat(present(store, "key-", 1_000)).isBetween(1L, 10L);
  }

  @Test
  void weighsAClaimAgainOnceItIsCompletedWithAResponse() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();
    store.claim("k", "f", "o", LEASE, TTL);
    store.cleanUp();
    long claimed = store.weightedBytes();

    store.complete("k", "o", response(MIB), TTL);
    store.cleanUp();

    assertThat(claimed).isZero();
    assertThat(store.weightedBytes()).isGreaterThan(MIB);
  }

  @Test
  void weighsAnAbandonedClaimOnceItsLeaseHasPassedSoThatItCountsLikeARecord() {
    MemoryIdempotencyStore store = bounded(10, MIB);
    for (int i = 0; i < 10; i++) {
      store.claim("abandoned-" + i, "f", "o", LEASE, TTL); // neither completed nor released
    }
    clock.advance(LEASE.minusNanos(1));
    store.claim("running", "f", "o", LEASE, TTL);
    store.cleanUp();
    assertThat(store.weightedBytes()).as("leases still running").isZero();

    clock.advance(Duration.ofNanos(1));
    for (int i = 0; i * MemoryIdempotencyStore.LAPSED_PER_CLAIM < 10; i++) {
      store.claim("next-" + i, "f", "o", LEASE, TTL);
    }
    store.cleanUp();

    assertThat(store.weightedBytes()).isEqualTo(10 * (MIB / 10));
    assertThat(store.find("abandoned-0")).as("found until its time to live, as the contract says")
        .hasValueSatisfying(record -> assertThat(record.state()).isEqualTo(IdempotencyRecord.State.IN_PROGRESS));
    storeResponses(store, "key-", 10, 0);
    store.cleanUp();
    assertThat(present(store, "abandoned-", 10) + present(store, "key-", 10)).isLessThanOrEqualTo(10);
    assertThat(store.find("running")).isPresent();
  }

  @Test
  void forgetsAbandonedClaimsFromMemoryWhenTheirTimeToLivePassesOnItsClock() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();
    for (int i = 0; i < 100; i++) {
      store.claim("abandoned-" + i, "f", "o", LEASE, TTL);
    }
    store.cleanUp();
    assertThat(store.estimatedSize()).isEqualTo(100);

    clock.advance(TTL);
    store.cleanUp();

    assertThat(store.estimatedSize()).isZero();
  }

  @Test
  void aClaimTakenOverAfterItsLeaseWeighsNothingUntilItsOwnLeasePasses() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();
    store.claim("k", "f", "hung", LEASE, TTL);
    clock.advance(LEASE);

    assertThat(store.claim("k", "f", "successor", LEASE, TTL)).isInstanceOf(ClaimResult.Claimed.class);
    store.claim("other", "f", "o", LEASE, TTL);
    store.cleanUp();
    assertThat(store.weightedBytes()).isZero();

    clock.advance(LEASE);
    store.claim("another", "f", "o", LEASE, TTL);
    store.cleanUp();
    assertThat(store.weightedBytes()).isPositive();
    assertThat(store.complete("k", "hung", response(0), TTL)).isFalse();
    assertThat(store.complete("k", "successor", response(0), TTL)).isTrue();
  }

  @Test
  void weighsNothingForAReleasedClaim() {
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();
    store.claim("k", "f", "o", LEASE, TTL);

    assertThat(store.release("k", "o")).isTrue();
    clock.advance(LEASE);
    store.claim("other", "f", "o", LEASE, TTL);
    store.cleanUp();

    assertThat(store.find("k")).isEmpty();
    assertThat(store.estimatedSize()).isEqualTo(1);
    assertThat(store.weightedBytes()).isZero();
  }

  @Test
  void evictsClaimsOnceTheirCompletedResponsesOutweighTheBound() {
    MemoryIdempotencyStore store = bounded(1_000, 3L * MIB);
    for (int i = 0; i < 10; i++) {
      store.claim("key-" + i, "f", "o", LEASE, TTL);
    }
    store.cleanUp();
    assertThat(present(store, "key-", 10)).as("ten claims weigh nothing").isEqualTo(10);

    for (int i = 0; i < 10; i++) {
      store.complete("key-" + i, "o", response(MIB), TTL);
    }
    store.cleanUp();

    assertThat(store.weightedBytes()).isLessThanOrEqualTo(3L * MIB);
    assertThat(present(store, "key-", 10)).isLessThanOrEqualTo(2);
  }

  @Test
  void keepsSmallRecordsThatFitUnderTheByteBound() {
    MemoryIdempotencyStore store = bounded(1_000, 2L * MIB);

    storeResponses(store, "key-", 1_000, KIB);
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
   * Claims and completes {@code prefix + 0} to {@code prefix + (keys - 1)}, as the filter does for new
   * requests. A claim is never evicted before it is completed, so every completion succeeds.
   */
  private static void storeResponses(MemoryIdempotencyStore store, String prefix, int keys, int bodyBytes) {
    for (int i = 0; i < keys; i++) {
      assertThat(store.claim(prefix + i, "f", "o", LEASE, TTL)).isInstanceOf(ClaimResult.Claimed.class);
      assertThat(store.complete(prefix + i, "o", response(bodyBytes), TTL)).as("%s%d completed", prefix, i).isTrue();
    }
  }

  private static StoredResponse response(int bodyBytes) {
    return new StoredResponse(200, List.of(new StoredResponse.Header("Content-Type", "application/json")),
        new byte[bodyBytes]);
  }

  private static long present(MemoryIdempotencyStore store, String prefix, int keys) {
    long present = 0;
    for (int i = 0; i < keys; i++) {
      present += store.find(prefix + i).isPresent() ? 1 : 0;
    }
    return present;
  }

  /** A 64-hex-character string, as the filter's SHA-256 store keys and fingerprints are. */
  private static String hex64(long i) {
    String hex = Long.toHexString(i);
    return "0".repeat(64 - hex.length()) + hex;
  }
}
