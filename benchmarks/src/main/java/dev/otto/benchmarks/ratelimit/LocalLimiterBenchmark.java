package dev.otto.benchmarks.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.local.LocalRateLimiter;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a local decision costs next to the cheapest thing it must do anyway: a Caffeine lookup.
 *
 * <ul>
 *   <li>{@code otto}: {@link LocalRateLimiter#tryAcquire} on a limiter holding {@value #KEYS} keys.
 *   <li>{@code caffeineGet}: {@code Cache.getIfPresent} on a bare Caffeine cache ({@code maximumSize} only)
 *       holding the same {@value #KEYS} keys, looked up with the same key strings the limiter is given.
 *   <li>{@code caffeineGetOnCaller}: the same on a cache that runs its maintenance on the calling thread
 *       ({@code executor(Runnable::run)}). A default cache hands it to the common pool, and where waking a
 *       pool thread is expensive (a virtual machine) its reads on one thread pay for that; the report takes
 *       the faster of the two as the baseline, so that Otto is never compared with a slowed-down get.
 *   <li>Two references that are not targets but show what no exact limiter can avoid: {@code clockRead},
 *       one {@code System.nanoTime()} (every decision must know the time), and {@code lookupAndWrite}, the
 *       least an exact limiter on Caffeine does per decision: a lookup of the key's state (an
 *       {@code AtomicLong}) that records nothing ({@code policy().getIfPresentQuietly}, as most of Otto's
 *       lookups are) and one {@code incrementAndGet} on it. Every allowed decision must write the
 *       key's state; on the hot key with two threads both threads write one cache line, which then moves
 *       between the cores on every decision. (An increment in a loop of its own measured a fraction of
 *       that, as each core kept the line for several increments in a row, which a decision between two
 *       lookups does not.)
 * </ul>
 *
 * <p>{@code keys=hot} asks for one key, {@code keys=spread} for one of the {@value #KEYS} per operation.
 * The policy allows a million per second with a burst worth eleven days, so that even tens of millions of
 * decisions per second on the hot key are all allowed and every decision does its full work (read, decide,
 * compare-and-set); a check after each iteration proves it. Run with 1 and 2 threads ({@code -t}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 2)
public class LocalLimiterBenchmark {

  /** Keys in both caches, and each cache's maximum size. */
  public static final int KEYS = 10_000;

  /** 1 µs emission interval (the finest Otto allows) and a tolerance of 10^12 µs, about 11.6 days. */
  private static final RateLimitPolicy POLICY = RateLimitPolicy.builder("bench")
      .limit(1_000_000, Duration.ofSeconds(1), 1_000_000_000_000L)
      .build();

  /** {@code hot}: one key; {@code spread}: one of {@value #KEYS} keys per operation. */
  @Param({"hot", "spread"})
  public String keys = "hot";

  private final String[] userKeys = new String[KEYS];
  private boolean hot;
  private @Nullable LocalRateLimiter otto;
  private @Nullable Cache<String, long[]> caffeine;
  private @Nullable Cache<String, long[]> caffeineOnCaller;
  private @Nullable Policy<String, AtomicLong> counters;

  @Setup(Level.Trial)
  public void setUp() {
    hot = switch (keys) {
      case "hot" -> true;
      case "spread" -> false;
      default -> throw new IllegalArgumentException("keys must be hot or spread: " + keys);
    };
    LocalRateLimiter limiter = LocalRateLimiter.builder().maximumKeys(KEYS).build();
    Cache<String, long[]> cache = Caffeine.newBuilder().maximumSize(KEYS).build();
    Cache<String, long[]> cacheOnCaller = Caffeine.newBuilder().maximumSize(KEYS).executor(Runnable::run).build();
    Cache<String, AtomicLong> states = Caffeine.newBuilder().maximumSize(KEYS).build();
    for (int i = 0; i < KEYS; i++) {
      userKeys[i] = "user-" + i;
      limiter.tryAcquire(userKeys[i], POLICY);
      cache.put(userKeys[i], new long[] {i});
      cacheOnCaller.put(userKeys[i], new long[] {i});
      states.put(userKeys[i], new AtomicLong());
    }
    otto = limiter;
    caffeine = cache;
    caffeineOnCaller = cacheOnCaller;
    counters = states.policy();
  }

  /** Proves that every decision of the iteration did the full work of an allowed request. */
  @TearDown(Level.Iteration)
  public void everyDecisionWasAllowed() {
    if (!limiter().tryAcquire(userKeys[0], POLICY).allowed()) {
      throw new IllegalStateException("the local limiter rejected a request: the benchmark's limit is too low");
    }
  }

  private int index() {
    return hot ? 0 : ThreadLocalRandom.current().nextInt(KEYS);
  }

  private LocalRateLimiter limiter() {
    LocalRateLimiter limiter = otto;
    if (limiter == null) {
      throw new IllegalStateException("not set up");
    }
    return limiter;
  }

  /** Otto's local decision. */
  @Benchmark
  public RateLimitDecision otto() {
    return limiter().tryAcquire(userKeys[index()], POLICY);
  }

  /** The baseline: a lookup in a bare Caffeine cache of the same size and keys. */
  @Benchmark
  public long @Nullable [] caffeineGet() {
    return lookUpIn(caffeine);
  }

  /** The baseline again, on a cache that runs its maintenance on the calling thread. */
  @Benchmark
  public long @Nullable [] caffeineGetOnCaller() {
    return lookUpIn(caffeineOnCaller);
  }

  /** A baseline lookup: {@code getIfPresent} of this operation's key. */
  private long @Nullable [] lookUpIn(@Nullable Cache<String, long[]> cache) {
    if (cache == null) {
      throw new IllegalStateException("not set up");
    }
    return cache.getIfPresent(userKeys[index()]);
  }

  /** Reference: the clock read every decision needs. */
  @Benchmark
  public long clockRead() {
    return System.nanoTime();
  }

  /** Reference: the least an exact limiter on Caffeine does, looking up the key's state and writing it. */
  @Benchmark
  public long lookupAndWrite() {
    Policy<String, AtomicLong> cache = counters;
    if (cache == null) {
      throw new IllegalStateException("not set up");
    }
    AtomicLong state = cache.getIfPresentQuietly(userKeys[index()]);
    return state == null ? -1 : state.incrementAndGet();
  }
}
