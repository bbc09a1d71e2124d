package dev.otto.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitListener;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiterUnavailableException;
import dev.otto.testsupport.RedisServerProcess;
import dev.otto.testsupport.Waiting;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What only the Redis limiter promises. Runs on a private redis-server, so command statistics, SCRIPT FLUSH
 * and pausing the server affect nobody else.
 */
class RedisRateLimiterTest {

  private static RedisServerProcess server;
  private static RedisClient adminClient;
  private static StatefulRedisConnection<String, String> adminConnection;
  private static RedisCommands<String, String> redis;

  private final String prefix = "otto:rl:test:" + UUID.randomUUID() + ":";
  private final RateLimitPolicy policy = RateLimitPolicy.builder("api")
      .limit(10, Duration.ofMinutes(1))
      .limit(1000, Duration.ofHours(1))
      .build();

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

  /** Keeps Redis busy for ARGV[1] microseconds of its own time. */
  private static final String BUSY_FOR_MICROS = """
      local function micros() local t = redis.call('TIME') return t[1] * 1000000 + t[2] end
      local start = micros()
      repeat until micros() - start >= tonumber(ARGV[1])
      return 'OK'
      """;

  private RedisRateLimiter.Builder limiter() {
    return RedisRateLimiter.builder().uri(server.uri()).keyPrefix(prefix).commandTimeout(Duration.ofSeconds(5));
  }

  /** What Redis Cluster hashes: the text between the first '{' and the next '}', if not empty. */
  private static String hashTag(String redisKey) {
    int open = redisKey.indexOf('{');
    int close = open < 0 ? -1 : redisKey.indexOf('}', open + 1);
    return close > open + 1 ? redisKey.substring(open + 1, close) : redisKey;
  }

  private static long calls(String command) {
    Matcher matcher = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(redis.info("commandstats"));
    return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
  }

  @Test
  void sendsExactlyOneEvalshaPerDecisionHoweverHotTheKey() throws Exception {
    try (RedisRateLimiter limiter = limiter().build()) {
      limiter.tryAcquire("warm-up", policy); // loads the script if this server has not seen it
      long evalshaBefore = calls("evalsha");
      long evalBefore = calls("eval");

      for (int i = 0; i < 50; i++) {
        limiter.tryAcquire("hot", policy); // 10 allowed, 40 rejected
      }
      List<CompletableFuture<RateLimitDecision>> inFlight = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        inFlight.add(limiter.tryAcquireAsync("hot", policy, 1).toCompletableFuture());
      }
      CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);

      assertThat(calls("evalsha") - evalshaBefore).isEqualTo(80);
      assertThat(calls("eval")).isEqualTo(evalBefore);
    }
  }

  @Test
  void anInterruptedCallerIsStillDecidedByRedisAndKeepsItsInterruptStatus() {
    try (RedisRateLimiter limiter = limiter().build()) {
      limiter.tryAcquire("warm-up", policy);
      RateLimitDecision first;
      RateLimitDecision second;
      boolean stillInterrupted;
      Thread.currentThread().interrupt();
      try {
        first = limiter.tryAcquire("k", policy);
        second = limiter.tryAcquire("k", policy);
      } finally {
        stillInterrupted = Thread.interrupted();
      }
      assertThat(stillInterrupted).isTrue();
      assertThat(first.backend()).isEqualTo(RateLimitBackend.REDIS);
      assertThat(first.remaining()).isEqualTo(9);
      assertThat(second.remaining()).isEqualTo(8);
    }
  }

  @Test
  void reloadsTheScriptWhenRedisHasForgottenIt() {
    try (RedisRateLimiter limiter = limiter().build()) {
      assertThat(limiter.tryAcquire("k", policy).allowed()).isTrue();
      redis.scriptFlush();
      long evalBefore = calls("eval");

      RateLimitDecision afterFlush = limiter.tryAcquire("k", policy);
      assertThat(afterFlush.allowed()).isTrue();
      assertThat(afterFlush.remaining()).isEqualTo(8);
      assertThat(calls("eval") - evalBefore).isEqualTo(1);
      assertThat(redis.scriptExists(GcraScript.load().sha)).containsExactly(true);
    }
  }

  @Test
  void storesTheTheoreticalArrivalTimeUnderKeysThatExpireWhenTheLimitIsFullAgain() {
    try (RedisRateLimiter limiter = limiter().build()) {
      for (int i = 0; i < 3; i++) {
        limiter.tryAcquire("expiring", policy);
      }
      String[] keys = limiter.keys("expiring", policy);
      assertThat(keys).containsExactly(prefix + "{api:expiring}:10:60000000", prefix + "{api:expiring}:1000:3600000000");

      // 3 requests of 10/min: full again in 18 s; of 1000/h: in 3 × 3.6 s = 10.8 s.
      assertThat(redis.pttl(keys[0])).isBetween(15_000L, 18_000L);
      assertThat(redis.pttl(keys[1])).isBetween(8_000L, 10_800L);
      List<String> time = redis.time();
      long serverMicros = Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
      assertThat(Long.parseLong(redis.get(keys[0])) - serverMicros).isBetween(15_000_000L, 18_000_000L);
    }
  }

  @Test
  void putsAllKeysOfOneDecisionInOneClusterSlot() {
    try (RedisRateLimiter limiter = limiter().build()) {
      for (String key : new String[] {"plain", "with}brace", "{tagged}", "x".repeat(5_000)}) {
        int[] slots = Arrays.stream(limiter.keys(key, policy)).mapToInt(SlotHash::getSlot).distinct().toArray();
        assertThat(slots).as("slots of %s", key).hasSize(1);
      }
    }
  }

  @Test
  void hashesEveryDecisionByItsWholePolicyAndKeySoBracesInAKeyCannotChooseTheSlot() {
    try (RedisRateLimiter limiter = limiter().build()) {
      Set<Integer> slots = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        String key = "}" + i; // a client's X-Api-Key, say
        String redisKey = limiter.keys(key, policy)[0];
        assertThat(hashTag(redisKey)).as("hash tag of %s", redisKey).isEqualTo(policy.storageKey(key));
        slots.add(SlotHash.getSlot(redisKey));
      }
      assertThat(slots).as("slots of keys starting with '}'").hasSizeGreaterThan(1);
    }
  }

  @Test
  void storesAVeryLongKeyAsABoundedDigest() {
    try (RedisRateLimiter limiter = limiter().build()) {
      String longKey = "k".repeat(10_000);
      assertThat(limiter.tryAcquire(longKey, policy).allowed()).isTrue();
      assertThat(limiter.tryAcquire(longKey, policy).remaining()).isEqualTo(8);

      List<String> stored = redis.scan(ScanArgs.Builder.matches(prefix + "*").limit(1000)).getKeys();
      assertThat(stored).hasSize(2).allSatisfy(key -> {
        assertThat(key).hasSizeLessThan(200).contains("{api:sha256:");
        assertThat(key).doesNotContain("kkkk");
      });
    }
  }

  @Test
  void neverClosesAConnectionItWasGiven() {
    try (StatefulRedisConnection<String, String> own = adminClient.connect()) {
      RedisRateLimiter limiter = RedisRateLimiter.builder().connection(own).keyPrefix(prefix).build();
      assertThat(limiter.tryAcquire("k", policy).allowed()).isTrue();
      limiter.close();

      assertThat(own.isOpen()).isTrue();
      assertThat(own.sync().ping()).isEqualTo("PONG");
      assertThatThrownBy(() -> limiter.tryAcquire("k", policy)).isInstanceOf(RateLimiterUnavailableException.class);
    }
  }

  @Test
  void closesTheConnectionItOpenedButNeverAClientItWasGiven() {
    RedisClient own = RedisClient.create(server.uri());
    try {
      RedisRateLimiter limiter = RedisRateLimiter.builder().client(own).keyPrefix(prefix)
          .commandTimeout(Duration.ofSeconds(5)).build();
      assertThat(limiter.tryAcquire("k", policy).allowed()).isTrue();
      limiter.close();

      try (StatefulRedisConnection<String, String> stillUsable = own.connect()) {
        assertThat(stillUsable.sync().ping()).isEqualTo("PONG");
      }
    } finally {
      own.shutdown();
    }
  }

  @Test
  void failsWithUnavailableWithinTheCommandTimeoutWhenRedisHangs() throws Exception {
    try (RedisRateLimiter limiter = limiter().commandTimeout(Duration.ofMillis(100)).build()) {
      limiter.tryAcquire("k", policy);
      server.pause();
      try {
        assertThatThrownBy(() -> limiter.tryAcquire("k", policy))
            .isInstanceOf(RateLimiterUnavailableException.class)
            .hasMessageContaining("did not answer the rate-limit script within PT0.1S");
        CompletableFuture<RateLimitDecision> async = limiter.tryAcquireAsync("k", policy, 1).toCompletableFuture();
        assertThatThrownBy(() -> async.get(5, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(RateLimiterUnavailableException.class)
            .hasMessageContaining("did not answer the rate-limit script within PT0.1S");
        assertThatThrownBy(() -> limiter.probe().toCompletableFuture().get(5, TimeUnit.SECONDS))
            .hasCauseInstanceOf(RateLimiterUnavailableException.class);
      } finally {
        server.resume();
      }
      Waiting.awaitTrue(Duration.ofSeconds(5), "decisions after resume", () -> succeeds(limiter));
    }
  }

  @Test
  void givesUpWaitingDecisionsAsSoonAsAnotherCallOnTheirConnectionFailsWithAnIoError() throws Exception {
    try (RedisRateLimiter limiter = limiter().commandTimeout(Duration.ofSeconds(30)).build()) {
      limiter.tryAcquire("k", policy);
      server.pause();
      try {
        CompletableFuture<RateLimitDecision> waiting = CompletableFuture.supplyAsync(() -> limiter.tryAcquire("k", policy));
        CompletableFuture<RateLimitDecision> waitingAsync = limiter.tryAcquireAsync("k", policy, 1).toCompletableFuture();
        assertThatThrownBy(() -> waiting.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
        assertThat(waitingAsync).isNotDone();

        // What Lettuce does to the call in progress when the connection breaks; the waiting decisions give up
        // within their 30 s timeout only if they learn of that (repeated in case one had not been sent yet).
        Waiting.awaitTrue(Duration.ofSeconds(5), "the waiting decisions to give up", () -> {
          ScriptCall.of(GcraScript.load(), new String[] {"other"}, new String[] {"1"}, false, true,
              limiter.connectionLosses()).completeExceptionally(new SocketException("Connection reset"));
          return waiting.isDone() && waitingAsync.isDone();
        });
        for (CompletableFuture<RateLimitDecision> decision : List.of(waiting, waitingAsync)) {
          assertThatThrownBy(decision::join)
              .isInstanceOf(CompletionException.class)
              .cause().isInstanceOf(RateLimiterUnavailableException.class)
              .hasMessageContaining("connection to Redis broke");
        }
      } finally {
        server.resume();
      }
      // Calls sent after the loss are not affected by it.
      assertThat(limiter.tryAcquire("k", policy).allowed()).isTrue();
      assertThat(limiter.tryAcquireAsync("k", policy, 1).toCompletableFuture().get(5, TimeUnit.SECONDS).allowed())
          .isTrue();
    }
  }

  @Test
  void timesOutOnAClientOfTheUsersOwnThatNeverTimesOutItself() throws Exception {
    RedisClient own = RedisClient.create(server.uri()); // Lettuce's default: 60 s per command
    try (RedisRateLimiter limiter = RedisRateLimiter.builder().client(own).keyPrefix(prefix)
        .commandTimeout(Duration.ofMillis(100)).build()) {
      Waiting.awaitTrue(Duration.ofSeconds(5), "the limiter's connection", () -> succeeds(limiter));
      server.pause();
      try {
        assertThatThrownBy(() -> limiter.tryAcquire("k", policy))
            .isInstanceOf(RateLimiterUnavailableException.class)
            .hasMessageContaining("did not answer the rate-limit script within PT0.1S");
        CompletableFuture<RateLimitDecision> async = limiter.tryAcquireAsync("k", policy, 1).toCompletableFuture();
        assertThatThrownBy(() -> async.get(5, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(RateLimiterUnavailableException.class)
            .hasMessageContaining("did not answer the rate-limit script within PT0.1S");
      } finally {
        server.resume();
      }
      Waiting.awaitTrue(Duration.ofSeconds(5), "decisions after resume", () -> succeeds(limiter));
    } finally {
      own.shutdown();
    }
  }

  @Test
  void decidesAsynchronouslyWithSeveralPermitsAndReloadsTheScriptThere() throws Exception {
    try (RedisRateLimiter limiter = limiter().build()) {
      assertThat(limiter.tryAcquire("k", policy).remaining()).isEqualTo(9);
      redis.scriptFlush();

      RateLimitDecision three = limiter.tryAcquireAsync("k", policy, 3).toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThat(three.allowed()).isTrue();
      assertThat(three.remaining()).isEqualTo(6);
      assertThat(limiter.tryAcquireAsync("k", policy, 7).toCompletableFuture().get(5, TimeUnit.SECONDS).allowed())
          .isFalse();
    }
  }

  @Test
  void reloadsAsynchronouslyWithinWhatIsLeftOfTheTimeoutNotAWholeTimeoutMore() throws Exception {
    try (RedisRateLimiter limiter = limiter().commandTimeout(Duration.ofSeconds(4)).build()) {
      assertThat(limiter.tryAcquire("k", policy).allowed()).isTrue();
      redis.scriptFlush();
      @SuppressWarnings("unchecked")
      RedisAsyncCommands<String, String> shared =
          ((StatefulRedisConnection<String, String>) limiter.connection().join()).async();
      try {
        // On the limiter's own connection, so that Redis takes them in this order: a script that keeps it
        // busy for 3 s, the decision (NOSCRIPT, 3 s after it was sent), a pause of writes that holds the
        // EVAL reloading the script. The decision has 1 s left for the EVAL, not a whole timeout.
        shared.eval(BUSY_FOR_MICROS, ScriptOutputType.STATUS, new String[0], "3000000");
        long started = System.nanoTime();
        CompletableFuture<RateLimitDecision> decision = limiter.tryAcquireAsync("k", policy, 1).toCompletableFuture();
        shared.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
            new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(30_000).add("WRITE"));

        assertThatThrownBy(() -> decision.get(30, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(RateLimiterUnavailableException.class)
            .hasMessageContaining("did not answer the rate-limit script within PT4S");
        // A whole timeout for the EVAL would end after about 7 s.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(5_500));
      } finally {
        redis.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
            new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"));
      }
      Waiting.awaitTrue(Duration.ofSeconds(5), "decisions after the pause", () -> succeeds(limiter));
    }
  }

  @Test
  void aCallCancelledWithItsConnectionFailsAsUnavailable() throws Exception {
    try (RedisServerProcess doomed = RedisServerProcess.start()) {
      RedisClient own = RedisClient.create(doomed.uri()); // Lettuce's default: buffers commands while disconnected
      try {
        StatefulRedisConnection<String, String> connection = own.connect();
        try (RedisRateLimiter limiter = RedisRateLimiter.builder().connection(connection).keyPrefix(prefix)
            .commandTimeout(Duration.ofSeconds(10)).build()) {
          doomed.kill();
          Waiting.awaitTrue(Duration.ofSeconds(5), "the connection to notice", () -> !connection.isOpen());
          CompletableFuture<RateLimitDecision> waiting = new CompletableFuture<>();
          Thread caller = new Thread(() -> {
            try {
              waiting.complete(limiter.tryAcquire("k", policy));
            } catch (RuntimeException e) {
              waiting.completeExceptionally(e);
            }
          });
          caller.start();
          // Parked in its timed wait: the call was dispatched, and is buffered, waiting for a reconnect.
          Waiting.awaitTrue(Duration.ofSeconds(5), "the caller to wait for its call",
              () -> caller.getState() == Thread.State.TIMED_WAITING);

          connection.close(); // Lettuce cancels what it buffered

          assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS))
              .isInstanceOf(ExecutionException.class)
              .cause().isInstanceOf(RateLimiterUnavailableException.class)
              .hasMessageContaining("was cancelled")
              .hasCauseInstanceOf(CancellationException.class);
        }
      } finally {
        own.shutdown();
      }
    }
  }

  @Test
  void startsWithoutRedisAndConnectsOnceRedisIsUp() {
    try (RedisServerProcess late = RedisServerProcess.start()) {
      late.kill();
      try (RedisRateLimiter limiter = RedisRateLimiter.builder().uri(late.uri()).keyPrefix(prefix).build()) {
        assertThatThrownBy(() -> limiter.tryAcquire("k", policy)).isInstanceOf(RateLimiterUnavailableException.class);

        late.restart();
        Duration took = Waiting.awaitTrue(Duration.ofSeconds(5), "a decision once Redis is up", () -> succeeds(limiter));
        assertThat(took).isLessThan(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void reportsEveryScriptCallToItsListeners() {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Duration> latencies = new CopyOnWriteArrayList<>();
    RateLimitListener listener = new RateLimitListener() {
      @Override
      public void onRedisCall(Duration latency, Throwable failure) {
        latencies.add(latency);
        if (failure != null) {
          failures.add(failure);
        }
      }
    };
    RedisRateLimiter limiter = limiter().listener(listener).build();
    limiter.tryAcquire("k", policy);
    limiter.probe().toCompletableFuture().join();
    limiter.close();
    assertThatThrownBy(() -> limiter.tryAcquire("k", policy)).isInstanceOf(RateLimiterUnavailableException.class);

    assertThat(latencies).hasSize(3).allSatisfy(latency -> assertThat(latency).isPositive());
    assertThat(failures).singleElement().isInstanceOf(RateLimiterUnavailableException.class);
  }

  @Test
  void validatesItsSettingsNamingTheProblem() {
    assertThatThrownBy(() -> RedisRateLimiter.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one of uri");
    assertThatThrownBy(() -> RedisRateLimiter.builder().uri(server.uri()).client(adminClient).build())
        .isInstanceOf(IllegalStateException.class).hasMessageEndingWith("got 2");
    assertThatThrownBy(() -> RedisRateLimiter.builder().uri("http://user:secret@host"))
        .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("secret");
    assertThatThrownBy(() -> RedisRateLimiter.builder().keyPrefix("a{b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a{b'");
    assertThatThrownBy(() -> RedisRateLimiter.builder().commandTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("commandTimeout must be positive: PT0S");
  }

  private boolean succeeds(RedisRateLimiter limiter) {
    try {
      limiter.tryAcquire("probe-" + UUID.randomUUID(), policy);
      return true;
    } catch (RateLimiterUnavailableException e) {
      return false;
    }
  }
}
