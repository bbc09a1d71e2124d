package dev.otto.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.IdempotencyStoreException;
import dev.otto.idempotency.StoredResponse;
import dev.otto.idempotency.StoredResponseCodec;
import dev.otto.testsupport.RedisServerProcess;
import dev.otto.testsupport.Waiting;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What only the Redis store promises. Runs on private redis-servers, so command statistics, SCRIPT FLUSH,
 * killing and pausing affect nobody else.
 */
class RedisIdempotencyStoreTest {

  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration TTL = Duration.ofMinutes(10);
  private static final StoredResponse RESPONSE = new StoredResponse(201, List.of(),
      "{\"id\":1}".getBytes(StandardCharsets.UTF_8));

  private static RedisServerProcess server;
  private static RedisClient adminClient;
  private static StatefulRedisConnection<String, String> adminConnection;
  private static RedisCommands<String, String> redis;

  private final String prefix = "otto:idem:test:" + UUID.randomUUID() + ":";

  @BeforeAll
  static void startRedis() {
    server = RedisServerProcess.start();
    adminClient = RedisClient.create(server.uri());
    adminConnection = adminClient.connect();
    redis = adminConnection.sync();
  }

  @AfterAll
  static void stopRedis() {
    adminConnection.close();
    adminClient.shutdown();
    server.close();
  }

  private RedisIdempotencyStore.Builder store() {
    return RedisIdempotencyStore.builder().uri(server.uri()).keyPrefix(prefix).commandTimeout(Duration.ofSeconds(5));
  }

  private static long calls(String command) {
    Matcher matcher = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(redis.info("commandstats"));
    return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
  }

  private static long serverMillis() {
    List<String> time = redis.time();
    return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
  }

  private static String owner() {
    return UUID.randomUUID().toString();
  }

  @Test
  void sendsExactlyOneEvalshaPerOperation() {
    try (RedisIdempotencyStore store = store().build()) {
      store.find("warm-up"); // loads the scripts this server has not seen yet
      store.claim("warm-up", "fp", owner(), LEASE, TTL);
      store.complete("warm-up", owner(), RESPONSE, TTL);
      store.release("warm-up", owner());
      long evalshaBefore = calls("evalsha");
      long evalBefore = calls("eval");

      String owner = owner();
      store.claim("k", "fp", owner, LEASE, TTL);              // claimed
      store.claim("k", "fp", owner(), LEASE, TTL);            // in flight
      store.complete("k", owner, RESPONSE, TTL);
      store.claim("k", "fp", owner(), LEASE, TTL);            // completed
      store.find("k");
      store.claim("other", "fp", owner, LEASE, TTL);
      store.release("other", owner);

      assertThat(calls("evalsha") - evalshaBefore).isEqualTo(7);
      assertThat(calls("eval")).isEqualTo(evalBefore);
    }
  }

  @Test
  void reloadsItsScriptsWhenRedisHasForgottenThem() {
    try (RedisIdempotencyStore store = store().build()) {
      String owner = owner();
      assertThat(store.claim("k", "fp", owner, LEASE, TTL)).isInstanceOf(ClaimResult.Claimed.class);
      redis.scriptFlush();
      long evalBefore = calls("eval");

      assertThat(store.complete("k", owner, RESPONSE, TTL)).isTrue();
      assertThat(store.claim("k", "fp", owner(), LEASE, TTL)).isEqualTo(new ClaimResult.Completed("fp", RESPONSE));

      assertThat(calls("eval") - evalBefore).isEqualTo(2);
      assertThat(redis.scriptExists(RedisScript.COMPLETE.sha, RedisScript.CLAIM.sha)).containsExactly(true, true);
    }
  }

  @Test
  void keepsAClaimForItsTimeToLiveWithTheLeaseDeadlineInServerTime() {
    try (RedisIdempotencyStore store = store().build()) {
      String owner = owner();
      store.claim("k", "fp", owner, LEASE, TTL);

      String key = store.redisKey("k");
      assertThat(key).isEqualTo(prefix + "k");
      Map<String, String> hash = redis.hgetall(key);
      assertThat(hash).containsEntry("v", "1").containsEntry("state", "IN_PROGRESS").containsEntry("fp", "fp")
          .containsEntry("owner", owner).doesNotContainKey("resp");
      assertThat(Long.parseLong(hash.get("lease")) - serverMillis()).isBetween(20_000L, 30_000L);
      assertThat(redis.pttl(key)).isBetween(TTL.minusSeconds(10).toMillis(), TTL.toMillis());
    }
  }

  @Test
  void keepsAClaimAtLeastForItsLeaseWhenTheTimeToLiveIsShorter() {
    try (RedisIdempotencyStore store = store().build()) {
      store.claim("k", "fp", owner(), LEASE, Duration.ofSeconds(1));

      assertThat(redis.pttl(store.redisKey("k"))).isBetween(20_000L, 30_000L);
    }
  }

  @Test
  void expiresACompletedRecordAfterTheTimeToLiveOfTheCompletion() {
    try (RedisIdempotencyStore store = store().build()) {
      String owner = owner();
      store.claim("k", "fp", owner, LEASE, TTL);
      store.complete("k", owner, RESPONSE, Duration.ofMinutes(1));

      String key = store.redisKey("k");
      Map<String, String> hash = redis.hgetall(key);
      assertThat(hash).containsEntry("state", "COMPLETED").doesNotContainKey("lease");
      assertThat(redis.pttl(key)).isBetween(50_000L, 60_000L);
      assertThat(Long.parseLong(hash.get("exp")) - serverMillis()).isBetween(50_000L, 60_000L);
    }
  }

  @Test
  void storesTheResponseInTheSharedVersionedFormat() {
    try (RedisIdempotencyStore store = store().build();
        StatefulRedisConnection<String, byte[]> binary = adminClient.connect(RedisConnector.CODEC)) {
      String owner = owner();
      store.claim("k", "fp", owner, LEASE, TTL);
      store.complete("k", owner, RESPONSE, TTL);

      byte[] stored = binary.sync().hget(store.redisKey("k"), "resp");
      assertThat(stored).isEqualTo(StoredResponseCodec.encode(RESPONSE));
    }
  }

  @Test
  void refusesARecordOfAnUnknownFormatInsteadOfGuessing() {
    try (RedisIdempotencyStore store = store().build()) {
      redis.hset(store.redisKey("future"), Map.of("v", "2", "state", "DONE", "fp", "fp"));

      assertThatThrownBy(() -> store.claim("future", "fp", owner(), LEASE, TTL))
          .isInstanceOf(IdempotencyStoreException.class)
          .hasMessageContaining("unknown format 2");
      assertThatThrownBy(() -> store.find("future")).isInstanceOf(IdempotencyStoreException.class);
    }
  }

  @Test
  void neverClosesAConnectionItWasGiven() {
    try (StatefulRedisConnection<String, byte[]> own = adminClient.connect(RedisConnector.CODEC)) {
      RedisIdempotencyStore store = RedisIdempotencyStore.builder().connection(own).keyPrefix(prefix).build();
      assertThat(store.claim("k", "fp", owner(), LEASE, TTL)).isInstanceOf(ClaimResult.Claimed.class);
      store.close();

      assertThat(own.isOpen()).isTrue();
      assertThat(own.sync().ping()).isEqualTo("PONG");
      assertThatThrownBy(() -> store.find("k"))
          .isInstanceOf(IdempotencyStoreException.class).hasMessageContaining("closed");
    }
  }

  @Test
  void closesTheConnectionItOpenedButNeverAClientItWasGiven() {
    RedisClient own = RedisClient.create(server.uri());
    try {
      RedisIdempotencyStore store = RedisIdempotencyStore.builder().client(own).keyPrefix(prefix)
          .commandTimeout(Duration.ofSeconds(5)).build();
      assertThat(store.claim("k", "fp", owner(), LEASE, TTL)).isInstanceOf(ClaimResult.Claimed.class);
      store.close();

      try (StatefulRedisConnection<String, String> stillUsable = own.connect()) {
        assertThat(stillUsable.sync().ping()).isEqualTo("PONG");
      }
    } finally {
      own.shutdown();
    }
  }

  @Test
  void probesRedisOnItsOwnConnectionUntilClosed() throws Exception {
    RedisIdempotencyStore store = store().build();
    try {
      store.probe().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } finally {
      store.close();
    }

    assertThat(store.probe().toCompletableFuture())
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(IdempotencyStoreException.class)
        .withMessageContaining("closed");
  }

  @Test
  void failsFastWhileRedisIsDeadAndWorksAgainOnceItIsBack() {
    try (RedisServerProcess dying = RedisServerProcess.start();
        RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(dying.uri()).keyPrefix(prefix).build()) {
      Waiting.awaitTrue(Duration.ofSeconds(5), "the first claim", () -> claims(store));

      dying.kill();
      long started = System.nanoTime();
      assertThatThrownBy(() -> store.claim("after-kill", "fp", owner(), LEASE, TTL))
          .isInstanceOf(IdempotencyStoreException.class)
          .hasMessageContaining("idempotency claim");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));

      dying.restart();
      Waiting.awaitTrue(Duration.ofSeconds(10), "a claim once Redis is back", () -> claims(store));
    }
  }

  @Test
  void failsWithinTheCommandTimeoutWhenRedisHangs() {
    try (RedisServerProcess hanging = RedisServerProcess.start();
        RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(hanging.uri()).keyPrefix(prefix)
            .commandTimeout(Duration.ofMillis(100)).build()) {
      Waiting.awaitTrue(Duration.ofSeconds(5), "the first claim", () -> claims(store));

      hanging.pause();
      try {
        long started = System.nanoTime();
        assertThatThrownBy(() -> store.claim("while-paused", "fp", owner(), LEASE, TTL))
            .isInstanceOf(IdempotencyStoreException.class)
            .hasMessage("Redis did not answer the idempotency claim within PT0.1S (commandTimeout)");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(100 + 1_500));
      } finally {
        hanging.resume();
      }
      Waiting.awaitTrue(Duration.ofSeconds(5), "a claim after resume", () -> claims(store));
    }
  }

  @Test
  void startsWithoutRedisAndConnectsOnceRedisIsUp() {
    try (RedisServerProcess late = RedisServerProcess.start()) {
      late.kill();
      try (RedisIdempotencyStore store = RedisIdempotencyStore.builder().uri(late.uri()).keyPrefix(prefix).build()) {
        assertThatThrownBy(() -> store.find("k"))
            .isInstanceOf(IdempotencyStoreException.class).hasMessageContaining("Cannot reach Redis");

        late.restart();
        Waiting.awaitTrue(Duration.ofSeconds(10), "a claim once Redis is up", () -> claims(store));
      }
    }
  }

  @Test
  void validatesItsSettingsNamingTheProblem() {
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one of uri");
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().uri(server.uri()).client(adminClient).build())
        .isInstanceOf(IllegalStateException.class).hasMessageEndingWith("got 2");
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().uri("http://user:secret@host"))
        .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("secret");
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().keyPrefix("a{b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a{b'");
    assertThatThrownBy(() -> RedisIdempotencyStore.builder().commandTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("commandTimeout must be positive: PT0S");
    try (RedisIdempotencyStore store = store().build()) {
      assertThatThrownBy(() -> store.claim("k", "fp", owner(), Duration.ZERO, TTL))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("lease must be positive: PT0S");
      assertThatThrownBy(() -> store.claim("x".repeat(513), "fp", owner(), LEASE, TTL))
          .isInstanceOf(IllegalArgumentException.class).hasMessage("key must have 1 to 512 characters: 513");
    }
  }

  private static boolean claims(RedisIdempotencyStore store) {
    try {
      return store.claim("probe-" + UUID.randomUUID(), "fp", owner(), LEASE, TTL) instanceof ClaimResult.Claimed;
    } catch (IdempotencyStoreException e) {
      return false;
    }
  }
}
