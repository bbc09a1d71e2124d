package dev.otto.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.idempotency.ClaimResult.Claimed;
import dev.otto.idempotency.ClaimResult.Completed;
import dev.otto.idempotency.ClaimResult.InFlight;
import dev.otto.idempotency.IdempotencyRecord.State;
import dev.otto.testsupport.Waiting;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link IdempotencyStore} promises. Subclasses supply the store and, if they can, a
 * way to let time pass.
 *
 * <p>Redis and PostgreSQL expire records by their own clocks, so by default time passes for real: the
 * expiry cases use short durations ({@link #shortLease()}, {@link #shortTtl()}), wait that long with
 * {@link #passTime}, then poll with a bounded deadline ({@link #expiryDeadline()}) until the store agrees
 * the lease or record has expired. A store on an injectable clock overrides {@link #passTime} to move it,
 * and the polls then succeed at once. Cases that must not see expiry use {@link #longLease()} and
 * {@link #longTtl()}.
 *
 * <p>Every case uses fresh keys, so a shared server needs no cleaning between cases.
 */
public abstract class IdempotencyStoreContract {

  /** The store under test. */
  protected abstract IdempotencyStore store();

  /** Lets {@code duration} pass for the store. Default: waits for real time. */
  protected void passTime(Duration duration) {
    Waiting.awaitElapsed(duration);
  }

  /** The store's "now", to check {@code expiresAt}. Default: this machine's clock. */
  protected Instant now() {
    return Instant.now();
  }

  /** A lease the expiry cases wait out. */
  protected Duration shortLease() {
    return Duration.ofMillis(300);
  }

  /** A time to live the expiry cases wait out; at least {@link #shortLease()}. */
  protected Duration shortTtl() {
    return Duration.ofMillis(500);
  }

  /** A lease that never runs out during a case. */
  protected Duration longLease() {
    return Duration.ofMinutes(5);
  }

  /** A time to live that never runs out during a case. */
  protected Duration longTtl() {
    return Duration.ofMinutes(10);
  }

  /** How long after {@link #passTime} a store may still take to notice an expiry. */
  protected Duration expiryDeadline() {
    return Duration.ofSeconds(5);
  }

  /** How far a server's clock may differ from {@link #now()} when checking {@code expiresAt}. */
  protected Duration clockTolerance() {
    return Duration.ofSeconds(5);
  }

  private final String prefix = "contract-" + UUID.randomUUID() + "-";

  private String key(String name) {
    return prefix + name;
  }

  private static String owner() {
    return UUID.randomUUID().toString();
  }

  private ClaimResult claimLong(String key, String fingerprint, String owner) {
    return store().claim(key, fingerprint, owner, longLease(), longTtl());
  }

  private static StoredResponse response(int status, String body) {
    return new StoredResponse(status, List.of(new StoredResponse.Header("Content-Type", "application/json")),
        body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void claimsAnAbsentKey() {
    String key = key("absent");
    String owner = owner();

    assertThat(claimLong(key, "fp-1", owner)).isInstanceOf(Claimed.class);

    IdempotencyRecord record = store().find(key).orElseThrow();
    assertThat(record.key()).isEqualTo(key);
    assertThat(record.state()).isEqualTo(State.IN_PROGRESS);
    assertThat(record.fingerprint()).isEqualTo("fp-1");
    assertThat(record.owner()).isEqualTo(owner);
    assertThat(record.response()).isNull();
    assertThat(record.expiresAt())
        .isAfter(now().minus(clockTolerance()))
        .isBefore(now().plus(longLease()).plus(clockTolerance()));
  }

  @Test
  void findsNothingForAnUnknownKey() {
    assertThat(store().find(key("unknown"))).isEmpty();
  }

  @Test
  void answersInFlightWithTheStoredFingerprintWhileTheLeaseRuns() {
    String key = key("in-flight");
    claimLong(key, "fp-first", owner());

    ClaimResult same = claimLong(key, "fp-first", owner());
    ClaimResult other = claimLong(key, "fp-other", owner());

    assertThat(same).isInstanceOfSatisfying(InFlight.class, inFlight -> {
      assertThat(inFlight.fingerprint()).isEqualTo("fp-first");
      assertThat(inFlight.leaseRemaining()).isPositive().isLessThanOrEqualTo(longLease());
    });
    // The store reports what it holds; deciding that a different fingerprint is a mismatch is the filter's job.
    assertThat(other).isInstanceOfSatisfying(InFlight.class,
        inFlight -> assertThat(inFlight.fingerprint()).isEqualTo("fp-first"));
  }

  @Test
  void completesByTheOwnerAndThenAnswersCompletedWithTheSameBytesAndHeaders() {
    String key = key("complete");
    String owner = owner();
    claimLong(key, "fp", owner);
    byte[] body = new byte[256];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) i; // every byte value, including 0 and invalid UTF-8
    }
    StoredResponse stored = new StoredResponse(201, List.of(
        new StoredResponse.Header("Content-Type", "application/json; charset=utf-8"),
        new StoredResponse.Header("Link", "</a>; rel=\"a\""),
        new StoredResponse.Header("Link", "</b>; rel=\"b\""),
        new StoredResponse.Header("Content-Language", "d\u00e9, \u65e5\u672c"),
        new StoredResponse.Header("ETag", "")), body);

    assertThat(store().complete(key, owner, stored, longTtl())).isTrue();

    ClaimResult again = claimLong(key, "fp", owner());
    assertThat(again).isInstanceOfSatisfying(Completed.class, completed -> {
      assertThat(completed.fingerprint()).isEqualTo("fp");
      assertThat(completed.response().status()).isEqualTo(201);
      assertThat(completed.response().headers()).containsExactlyElementsOf(stored.headers());
      assertThat(completed.response().body()).isEqualTo(body);
      assertThat(completed.response()).isEqualTo(stored);
    });
    IdempotencyRecord record = store().find(key).orElseThrow();
    assertThat(record.state()).isEqualTo(State.COMPLETED);
    assertThat(record.fingerprint()).isEqualTo("fp");
    assertThat(record.response()).isEqualTo(stored);
    assertThat(record.expiresAt())
        .isAfter(now().plus(longTtl()).minus(Duration.ofMinutes(1)))
        .isBefore(now().plus(longTtl()).plus(clockTolerance()));
  }

  @Test
  void answersCompletedWithItsOwnFingerprintToARequestWithAnother() {
    String key = key("completed-other");
    String owner = owner();
    claimLong(key, "fp-original", owner);
    store().complete(key, owner, response(200, "{}"), longTtl());

    assertThat(claimLong(key, "fp-different", owner())).isInstanceOfSatisfying(Completed.class,
        completed -> assertThat(completed.fingerprint()).isEqualTo("fp-original"));
  }

  @Test
  void storesAnEmptyBodyAndNoHeaders() {
    String key = key("empty");
    String owner = owner();
    claimLong(key, "fp", owner);
    StoredResponse empty = new StoredResponse(204, List.of(), new byte[0]);

    assertThat(store().complete(key, owner, empty, longTtl())).isTrue();

    assertThat(claimLong(key, "fp", owner())).isEqualTo(new Completed("fp", empty));
  }

  @Test
  void roundTripsAOneMegabyteBody() {
    String key = key("large");
    String owner = owner();
    claimLong(key, "fp", owner);
    byte[] body = new byte[1024 * 1024];
    new Random(42).nextBytes(body);

    assertThat(store().complete(key, owner, new StoredResponse(200, List.of(), body), longTtl())).isTrue();

    assertThat(claimLong(key, "fp", owner())).isInstanceOfSatisfying(Completed.class,
        completed -> assertThat(completed.response().body()).isEqualTo(body));
  }

  @Test
  void refusesToCompleteForAnotherOwnerOrAnAbsentKey() {
    String key = key("not-owner");
    String owner = owner();
    claimLong(key, "fp", owner);

    assertThat(store().complete(key, owner(), response(200, "intruder"), longTtl())).isFalse();
    assertThat(store().complete(key("never-claimed"), owner, response(200, "ghost"), longTtl())).isFalse();

    IdempotencyRecord record = store().find(key).orElseThrow();
    assertThat(record.state()).isEqualTo(State.IN_PROGRESS);
    assertThat(record.owner()).isEqualTo(owner);
    assertThat(store().find(key("never-claimed"))).isEmpty();
  }

  @Test
  void completesOnlyOnce() {
    String key = key("twice");
    String owner = owner();
    claimLong(key, "fp", owner);
    assertThat(store().complete(key, owner, response(201, "first"), longTtl())).isTrue();

    assertThat(store().complete(key, owner, response(500, "second"), longTtl())).isFalse();

    assertThat(store().find(key).orElseThrow().response()).isEqualTo(response(201, "first"));
  }

  @Test
  void releasesForTheOwnerSoTheNextClaimRunsAgain() {
    String key = key("release");
    String owner = owner();
    claimLong(key, "fp", owner);

    assertThat(store().release(key, owner)).isTrue();

    assertThat(store().find(key)).isEmpty();
    assertThat(claimLong(key, "fp", owner())).isInstanceOf(Claimed.class);
  }

  @Test
  void refusesToReleaseForAnotherOwner() {
    String key = key("release-other");
    String owner = owner();
    claimLong(key, "fp", owner);

    assertThat(store().release(key, owner())).isFalse();
    assertThat(store().release(key("never-claimed"), owner)).isFalse();

    assertThat(store().find(key).orElseThrow().owner()).isEqualTo(owner);
    assertThat(claimLong(key, "fp", owner())).isInstanceOf(InFlight.class);
  }

  @Test
  void neverReleasesACompletedRecord() {
    String key = key("release-completed");
    String owner = owner();
    claimLong(key, "fp", owner);
    store().complete(key, owner, response(200, "done"), longTtl());

    assertThat(store().release(key, owner)).isFalse();

    assertThat(claimLong(key, "fp", owner())).isInstanceOf(Completed.class);
  }

  @Test
  void letsAnotherAttemptTakeOverOnceTheLeaseHasPassed() {
    String key = key("takeover");
    String crashed = owner();
    store().claim(key, "fp-crashed", crashed, shortLease(), longTtl());
    passTime(shortLease());

    String successor = owner();
    awaitClaimed(key, "fp-successor", successor, "the lease of the crashed owner to pass");

    IdempotencyRecord record = store().find(key).orElseThrow();
    assertThat(record.state()).isEqualTo(State.IN_PROGRESS);
    assertThat(record.owner()).isEqualTo(successor);
    assertThat(record.fingerprint()).isEqualTo("fp-successor");
  }

  @Test
  void fencesOutTheStaleOwnerAfterATakeover() {
    String key = key("fencing");
    String stale = owner();
    store().claim(key, "fp", stale, shortLease(), longTtl());
    passTime(shortLease());
    String successor = owner();
    awaitClaimed(key, "fp", successor, "the lease of the stale owner to pass");

    assertThat(store().complete(key, stale, response(201, "stale"), longTtl())).isFalse();
    assertThat(store().release(key, stale)).isFalse();
    assertThat(store().find(key).orElseThrow().owner()).isEqualTo(successor);

    assertThat(store().complete(key, successor, response(201, "fresh"), longTtl())).isTrue();
    assertThat(claimLong(key, "fp", owner())).isInstanceOfSatisfying(Completed.class,
        completed -> assertThat(completed.response()).isEqualTo(response(201, "fresh")));
  }

  @Test
  void letsTheOwnerCompleteAfterItsLeaseWhenNobodyTookOver() {
    String key = key("late-owner");
    String owner = owner();
    store().claim(key, "fp", owner, shortLease(), longTtl());
    passTime(shortLease().plus(shortLease()));

    assertThat(store().complete(key, owner, response(201, "late"), longTtl())).isTrue();

    assertThat(claimLong(key, "fp", owner())).isInstanceOf(Completed.class);
  }

  @Test
  void forgetsACompletedRecordAfterItsTimeToLive() {
    String key = key("ttl");
    String owner = owner();
    claimLong(key, "fp", owner);
    store().complete(key, owner, response(201, "done"), shortTtl());
    passTime(shortTtl());

    String next = owner();
    awaitClaimed(key, "fp-next", next, "the completed record to expire");

    assertThat(store().find(key).orElseThrow().owner()).isEqualTo(next);
  }

  @Test
  void findsNothingOnceARecordHasExpired() {
    String key = key("find-expired");
    String owner = owner();
    claimLong(key, "fp", owner);
    store().complete(key, owner, response(201, "done"), shortTtl());
    passTime(shortTtl());

    Waiting.awaitTrue(expiryDeadline(), "find() to stop returning the expired record",
        () -> store().find(key).isEmpty());
  }

  @Test
  void letsExactlyOneOfThirtyTwoSimultaneousClaimsWin() throws Exception {
    String key = key("race");
    int threads = 32;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<ClaimResult>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        String owner = "owner-" + i;
        results.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          return claimLong(key, "fp", owner);
        }));
      }
      assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
      go.countDown();

      int claimed = 0;
      int inFlight = 0;
      for (Future<ClaimResult> result : results) {
        ClaimResult claim = result.get(30, TimeUnit.SECONDS);
        if (claim instanceof Claimed) {
          claimed++;
        } else if (claim instanceof InFlight) {
          inFlight++;
        }
      }
      assertThat(claimed).isEqualTo(1);
      assertThat(inFlight).isEqualTo(threads - 1);
      assertThat(store().find(key).orElseThrow().owner()).startsWith("owner-");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void acceptsKeysOfAnyCharactersUpToFiveHundredTwelveAndKeepsThemApart() {
    List<String> keys = List.of(
        key("plain"),
        key("plain "),
        key("PLAIN"),
        key("with space, 'quotes' \"and\" ; -- DROP TABLE"),
        key("{hash-tag}:*?[]\\%_"),
        key("line\nbreak\ttab\rreturn"),
        key("\u00fcnic\u00f6de-\u65e5\u672c-\uD83D\uDE00"),
        prefix + "x".repeat(512 - prefix.length()));
    for (int i = 0; i < keys.size(); i++) {
      String owner = owner();
      assertThat(claimLong(keys.get(i), "fp-" + i, owner)).as("key %d", i).isInstanceOf(Claimed.class);
      assertThat(store().complete(keys.get(i), owner, response(200, "body-" + i), longTtl())).isTrue();
    }
    for (int i = 0; i < keys.size(); i++) {
      int index = i;
      assertThat(claimLong(keys.get(i), "fp-" + i, owner())).as("key %d", i)
          .isInstanceOfSatisfying(Completed.class, completed -> {
            assertThat(completed.fingerprint()).isEqualTo("fp-" + index);
            assertThat(completed.response()).isEqualTo(response(200, "body-" + index));
          });
      assertThat(store().find(keys.get(i)).orElseThrow().key()).isEqualTo(keys.get(i));
    }
  }

  private void awaitClaimed(String key, String fingerprint, String owner, String what) {
    Waiting.awaitTrue(expiryDeadline(), what,
        () -> store().claim(key, fingerprint, owner, longLease(), longTtl()) instanceof Claimed);
  }
}
