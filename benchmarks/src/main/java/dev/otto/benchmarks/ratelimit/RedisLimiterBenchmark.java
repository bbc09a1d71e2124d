package dev.otto.benchmarks.ratelimit;

import dev.otto.benchmarks.SharedRedis;
import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.github.bucket4j.redis.lettuce.cas.LettuceBasedProxyManager;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Otto's Redis limiter against Bucket4j's Lettuce back end on the same Redis, in decisions per second, with
 * the bare Lettuce call underneath Otto for reference.
 *
 * <ul>
 *   <li>{@code otto}: {@link RedisRateLimiter#tryAcquire} — one {@code EVALSHA} per decision, the caller
 *       waits for the answer.
 *   <li>{@code bucket4j}: {@code BucketProxy.tryConsume(1)} of Bucket4j's compare-and-swap proxy manager
 *       ({@link LettuceBasedProxyManager}): a {@code GET} and then an {@code EVAL} that swaps the state if
 *       nobody changed it meanwhile, retried on conflict.
 *   <li>{@code ottoAsync}: each thread keeps {@value #IN_FLIGHT} decisions in flight with
 *       {@link RedisRateLimiter#tryAcquireAsync} and then waits for all of them; the score counts decisions.
 *   <li>{@code lettuceEvalsha} and {@code lettuceEvalshaAsync}: the same two patterns with the bare Lettuce
 *       call Otto makes — {@code async().evalsha(…)} of Otto's own script with the same key and arguments,
 *       prepared once — on a default Lettuce client and connection of their own. Not a limiter (no key
 *       building, no timeout, no decoding): what the call itself costs through Lettuce as it comes. Otto,
 *       built from a URI, configures its own client (one I/O thread, Lettuce-side timeouts), so
 *       {@code otto ÷ lettuceEvalsha} is its own code's cost net of what its client settings save, and may
 *       exceed 100 %.
 * </ul>
 *
 * <p>Both limiters allow 1,000,000 per second with a burst of as many, so practically every request is
 * allowed and both do their full work (read, decide, write). {@code keys=hot} sends every decision to one
 * key; {@code keys=spread} picks one of {@value #SPREAD_KEYS} keys per decision. Both limiters run as users
 * would run them: one Lettuce connection each. Bucket4j gets its proxies built once up front, which only
 * helps it.
 *
 * <p>Run with 1 and 16 threads ({@code -t}); {@code run-ratelimit.sh} does, for example:
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RedisLimiterBenchmark -t 16 -f 1 -wi 1 -w 5s -i 3 -r 4s \
 *     -prof gc -rf json -rff jmh-redis-t16.json
 * </pre>
 *
 * <p>Redis: {@code OTTO_REDIS_URL} (the forked JVM inherits it), or {@code -Dotto.redis.url=…} in
 * {@code -jvmArgsAppend} (which then replaces the heap settings below), default
 * {@value SharedRedis#DEFAULT_URL}. Keys live under a random prefix and are deleted when the trial ends
 * (they also expire by themselves within seconds).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 4)
public class RedisLimiterBenchmark {

  /** Decisions each thread keeps in flight in {@link #ottoAsync}. */
  public static final int IN_FLIGHT = 64;

  /** Distinct keys of {@code keys=spread}. */
  public static final int SPREAD_KEYS = 10_000;

  /**
   * Generous for both: far more than either can decide per second on one key, so nothing is rejected.
   * Otto's and Bucket4j's are the same limit: 1,000,000 per second, bursts of 1,000,000.
   */
  static final long RATE_PER_SECOND = 1_000_000;

  /**
   * Long enough that a decision queued behind 1,024 others on a busy shared 2-core machine is not mistaken
   * for an outage: the default (50 ms) suits production, not a benchmark that must not abort because the
   * JIT, a GC or another process took the cores for a moment (a 1 s timeout did abort one run's first
   * warm-up iteration of {@code ottoAsync} at 16 threads while a Maven build shared the machine). A decision
   * slower than this still fails the run. The timeout's cost per decision does not depend on its length.
   */
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);

  /** {@code hot}: one key; {@code spread}: one of {@value #SPREAD_KEYS} keys per decision. */
  @Param({"hot", "spread"})
  public String keys = "hot";

  private final RateLimitPolicy policy = RateLimitPolicy.of("bench", RATE_PER_SECOND, Duration.ofSeconds(1));

  private String url = SharedRedis.DEFAULT_URL;
  private String prefix = "";
  private String[] userKeys = new String[0];
  private boolean hot;
  private RedisRateLimiter otto;
  private RedisClient bucket4jClient;
  private StatefulRedisConnection<String, byte[]> bucket4jConnection;
  private BucketProxy[] buckets = new BucketProxy[0];
  private RedisClient lettuceClient;
  private StatefulRedisConnection<String, String> lettuceConnection;
  private RedisAsyncCommands<String, String> lettuce;
  private String sha = "";
  private String[][] scriptKeys = new String[0][];
  private String[] scriptArgs = new String[0];

  @Setup(Level.Trial)
  public void setUp() {
    url = SharedRedis.url();
    prefix = SharedRedis.uniquePrefix("redis-limiter");
    hot = switch (keys) {
      case "hot" -> true;
      case "spread" -> false;
      default -> throw new IllegalArgumentException("keys must be hot or spread: " + keys);
    };
    int count = hot ? 1 : SPREAD_KEYS;
    userKeys = new String[count];
    for (int i = 0; i < count; i++) {
      userKeys[i] = "user-" + i;
    }

    otto = RedisRateLimiter.builder()
        .uri(url)
        .keyPrefix(prefix + "otto:")
        .commandTimeout(COMMAND_TIMEOUT)
        .build();

    bucket4jClient = RedisClient.create(url);
    bucket4jConnection = bucket4jClient.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
    LettuceBasedProxyManager<String> proxyManager = Bucket4jLettuce.casBasedBuilder(bucket4jConnection)
        // As Otto's keys do, the bucket's key expires once the bucket is full again.
        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(1)))
        .build();
    BucketConfiguration configuration = BucketConfiguration.builder()
        .addLimit(Bandwidth.builder()
            .capacity(RATE_PER_SECOND)
            .refillGreedy(RATE_PER_SECOND, Duration.ofSeconds(1))
            .build())
        .build();
    buckets = new BucketProxy[count];
    for (int i = 0; i < count; i++) {
      buckets[i] = proxyManager.builder().build(prefix + "bucket4j:" + userKeys[i], () -> configuration);
    }

    // The bare call under Otto, on a default client: Otto's script, key layout and arguments (permits, T µs,
    // τ µs).
    lettuceClient = RedisClient.create(url);
    lettuceConnection = lettuceClient.connect();
    lettuce = lettuceConnection.async();
    sha = lettuceConnection.sync().scriptLoad(gcraScript());
    Limit limit = policy.limits().get(0);
    scriptArgs = new String[] {"1", Long.toString(limit.emissionIntervalMicros()), Long.toString(limit.toleranceMicros())};
    scriptKeys = new String[count][];
    for (int i = 0; i < count; i++) {
      scriptKeys[i] = new String[] {
          prefix + "lettuce:{" + policy.storageKey(userKeys[i]) + "}:" + limit.quota() + ':' + limit.periodMicros()};
    }

    awaitOtto();
    if (!buckets[0].tryConsume(1)) {
      throw new IllegalStateException("Bucket4j rejected the first request; the benchmark limit is wrong");
    }
  }

  /** Otto connects in the background: wait until it decides, so the first iteration measures decisions. */
  private void awaitOtto() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        if (!otto.tryAcquire(userKeys[0], policy).allowed()) {
          throw new IllegalStateException("Otto rejected the first request; the benchmark limit is wrong");
        }
        return;
      } catch (RuntimeException notYet) {
        if (notYet instanceof IllegalStateException || System.nanoTime() - deadline > 0) {
          throw notYet;
        }
        Thread.onSpinWait();
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    try {
      if (otto != null) {
        otto.close();
      }
      if (bucket4jConnection != null) {
        bucket4jConnection.close();
      }
      if (bucket4jClient != null) {
        bucket4jClient.shutdown();
      }
      if (lettuceConnection != null) {
        lettuceConnection.close();
      }
      if (lettuceClient != null) {
        lettuceClient.shutdown();
      }
    } finally {
      SharedRedis.deleteKeys(url, prefix);
    }
  }

  private int index() {
    return hot ? 0 : ThreadLocalRandom.current().nextInt(SPREAD_KEYS);
  }

  /** Otto, synchronous: one EVALSHA, waited for. */
  @Benchmark
  public RateLimitDecision otto() {
    return otto.tryAcquire(userKeys[index()], policy);
  }

  /** Bucket4j's Lettuce compare-and-swap back end, synchronous. */
  @Benchmark
  public boolean bucket4j() {
    return buckets[index()].tryConsume(1);
  }

  /** Otto, asynchronous: {@value #IN_FLIGHT} decisions in flight per thread; the score is in decisions. */
  @Benchmark
  @OperationsPerInvocation(IN_FLIGHT)
  public void ottoAsync(InFlight inFlight, Blackhole blackhole) {
    CompletableFuture<?>[] pending = inFlight.pending;
    for (int i = 0; i < IN_FLIGHT; i++) {
      pending[i] = otto.tryAcquireAsync(userKeys[index()], policy, 1).toCompletableFuture();
    }
    for (int i = 0; i < IN_FLIGHT; i++) {
      blackhole.consume(pending[i].join());
    }
  }

  /** For reference: the bare Lettuce EVALSHA Otto makes, on a default client, waited for. */
  @Benchmark
  public List<Object> lettuceEvalsha() throws Exception {
    return lettuce.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, scriptKeys[index()], scriptArgs).get();
  }

  /** For reference to {@link #ottoAsync}: {@value #IN_FLIGHT} bare EVALSHA calls in flight per thread. */
  @Benchmark
  @OperationsPerInvocation(IN_FLIGHT)
  public void lettuceEvalshaAsync(InFlight inFlight, Blackhole blackhole) {
    CompletableFuture<?>[] pending = inFlight.pending;
    for (int i = 0; i < IN_FLIGHT; i++) {
      pending[i] = lettuce.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, scriptKeys[index()], scriptArgs)
          .toCompletableFuture();
    }
    for (int i = 0; i < IN_FLIGHT; i++) {
      blackhole.consume(pending[i].join());
    }
  }

  /** Otto's GCRA script, read from the otto-ratelimit jar: the bytes Otto sends, so the same SHA-1. */
  private static String gcraScript() {
    try (InputStream in = RedisRateLimiter.class.getResourceAsStream("gcra.lua")) {
      if (in == null) {
        throw new IllegalStateException("gcra.lua is missing next to " + RedisRateLimiter.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Each thread's window of decisions in flight. */
  @State(Scope.Thread)
  public static class InFlight {

    final CompletableFuture<?>[] pending = new CompletableFuture<?>[IN_FLIGHT];
  }
}
