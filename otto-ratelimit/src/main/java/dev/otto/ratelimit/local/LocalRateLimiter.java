package dev.otto.ratelimit.local;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiter;
import java.time.Clock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RateLimiter} that keeps GCRA state in this JVM: limits hold per instance. Decisions are exactly
 * those of the Redis limiter, with time taken from an injected {@link InstantSource}.
 *
 * <pre>{@code
 * LocalRateLimiter limiter = LocalRateLimiter.builder()
 *     .maximumKeys(50_000)
 *     .build();
 * RateLimitDecision decision = limiter.tryAcquire("203.0.113.7", RateLimitPolicy.of("api", 10, Duration.ofSeconds(1)));
 * }</pre>
 *
 * <p>State lives in a Caffeine cache bounded by {@link Builder#maximumKeys(long)}: when more keys than the
 * maximum are active, the least valuable entries are evicted and their keys start again with a full
 * bucket. Caffeine picks what to evict by how often keys are used, from one decision in 16 picked at random
 * (recording each one would cost as much as the lookup itself), so keys in steady use outlast keys used
 * once. Idle keys are not timed out by default (a decision then costs no expiry bookkeeping); they stay
 * until evicted by size, so the memory held is bounded by the maximum, not by the idle time.
 * {@link Builder#expireAfterIdle(Duration)} also forgets keys unused for a given time.
 *
 * <p>Time: with the system clock (the default) decisions read the JVM's monotonic clock, immune to the wall
 * clock's steps, as a background thread reads it once per {@linkplain Builder#clockResolution(Duration)
 * clock resolution} (1 ms by default) while decisions are being made: reading the system clock on every
 * decision would cost about a third of the decision. Decisions then see time up to about a millisecond
 * late, which never lets a key through faster than a clock a millisecond coarser would. Any other
 * {@link InstantSource} is read once per decision. The same thread runs the cache's maintenance
 * (eviction and the record of use), at most a clock resolution late; with another clock, or a resolution
 * of zero, Caffeine's default executor does.
 *
 * <p>Threading: thread-safe and lock-free. Each key's TATs are replaced by compare-and-set, so concurrent
 * requests on one key are charged exactly once each, and a policy's limits are charged together or not at
 * all. A single limit that threads keep charging at the same moment (8 collisions within a millisecond),
 * with a burst of at least 64 per stripe (one per processor, rounded up to a power of two from 2 to 16),
 * is from then on charged through leases: each stripe of threads claims a range of the key's time line at
 * once (up to 256 permits, shorter as the key nears its limit) and takes permits from it without writing
 * the key's shared state, so a hot key scales with the cores charging it. Leases never grant more than
 * GCRA allows, and a key charged by one thread at a time decides exactly as without them. Under contention, the remaining count of an
 * allowed request counts what other threads' leases hold as taken, and a request larger than what any
 * lease has left, or permits a lease held while their time passed, can cost a key a few permits (never
 * grant one more). A decision allocates only the decision it returns, and a lease per up to 256 decisions.
 * Failure: never throws except for invalid arguments.
 * {@link #close()} ends the clock thread early; it is optional.
 */
public final class LocalRateLimiter implements RateLimiter, AutoCloseable {

  /**
   * Keys up to this length are cached as they are, and the name is matched in the entry instead of being
   * joined to the key on every decision. Distinct strings are distinct cache keys, so this keeps keys apart
   * exactly as {@link RateLimitPolicy#storageKey(String)} does for Redis (which also digests short keys with
   * braces or unpaired surrogates, for reasons of Redis's own that memory does not share). Longer keys are
   * cached as their storage key, which digests them, so the memory per entry stays bounded; wrapped in
   * {@link Digested}, they never equal a short key, even one spelled like a digest.
   */
  private static final int PLAIN_KEY_MAX_LENGTH = 256;

  /** Without idle expiry, one lookup in this many counts towards a key's frequency of use. */
  private static final int LOOKUPS_PER_RECORDED_USE = 16;

  /** The monotonic system clock, in nanoseconds; used when {@link #clock} is null. */
  private final Ticker ticker;
  /** An injected clock other than the system clock, or null. */
  private final @Nullable InstantSource clock;
  /**
   * Key (or {@link Digested} key) to its state: one {@link KeyState}, or a {@code KeyState[]} when several
   * policy names limit the same key. Weighted by the number of states, so the bound counts policy and key
   * pairs; entries change only when a key meets a policy for the first time or a policy's limits change.
   */
  private final Cache<Object, Object> states;
  private final Policy<Object, Object> statesPolicy;
  /** Whether every lookup must count as a use: idle expiry needs each one, frequency alone does not. */
  private final boolean recordsEveryLookup;

  private LocalRateLimiter(Builder builder) {
    this.clock = isSystemClock(builder.clock) ? null : builder.clock;
    this.ticker = clock != null || builder.clockResolution.isZero()
        ? Ticker.systemTicker() : new TickingClock(this, builder.clockResolution);
    Caffeine<Object, Object> cache = Caffeine.newBuilder()
        .maximumWeight(builder.maximumKeys)
        .weigher((Object key, Object held) -> held instanceof KeyState[] several ? several.length : 1);
    if (ticker instanceof TickingClock ticking) {
      // Maintenance on the clock's thread, at its next tick: waking a pool thread for it took a quarter of
      // a decision on one hot key, and running it on the deciding threads made two of them half as fast.
      // When the write buffer fills before the tick (a flood of new keys), writers do it themselves.
      cache.executor(ticking.nextTick());
    }
    if (builder.expireAfterIdle != null) {
      cache.expireAfterAccess(builder.expireAfterIdle).ticker(cacheTicker(clock, ticker));
    }
    this.states = cache.build();
    this.statesPolicy = states.policy();
    this.recordsEveryLookup = builder.expireAfterIdle != null;
  }

  /**
   * Starts a limiter with at most 100,000 keys, the system clock and no idle expiry.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Decides a request against this instance's state. Never blocks and never throws for a valid request.
   *
   * @throws IllegalArgumentException when permits is out of range for the policy
   */
  @Override
  public RateLimitDecision tryAcquire(String key, RateLimitPolicy policy, int permits) {
    policy.requirePermits(permits);
    Objects.requireNonNull(key, "key");
    Object id = key;
    String name = policy.name();
    List<Limit> limits = policy.limits();
    long now = nowMicros();
    while (true) {
      KeyState state = find(lookUp(id), name);
      if (state == null || !state.hasLimits(limits)) {
        // Only a key that was not found needs its length checked: a longer key is never stored as it is.
        if (id == key && key.length() > PLAIN_KEY_MAX_LENGTH) {
          id = new Digested(policy.storageKey(key));
          continue;
        }
        state = install(id, name, limits);
      }
      RateLimitDecision decision = state.tryAcquire(now, permits);
      if (decision != null) {
        return decision;
      }
    }
  }

  /**
   * Finds a key's entry. Caffeine keeps the hot keys by how often they are looked up; recording a lookup
   * costs as much as the lookup itself, so without idle expiry only one lookup in
   * {@value #LOOKUPS_PER_RECORDED_USE}, picked at random, is recorded. A key's frequency is then estimated
   * from a sample, as Caffeine itself does when reads come faster than it records them.
   */
  private @Nullable Object lookUp(Object id) {
    if (recordsEveryLookup || ThreadLocalRandom.current().nextInt(LOOKUPS_PER_RECORDED_USE) == 0) {
      return states.getIfPresent(id);
    }
    return statesPolicy.getIfPresentQuietly(id);
  }

  /**
   * Ends the clock thread, if the limiter has one: decisions stay possible and read the system clock each.
   * Not required (the thread waits while no decisions are made and ends once the limiter is unreachable),
   * but prompt, for containers that report threads left running when an application stops. Idempotent.
   */
  @Override
  public void close() {
    if (ticker instanceof TickingClock ticking) {
      ticking.close();
    }
  }

  /** The clock decisions on the system clock read (for tests). */
  Ticker ticker() {
    return ticker;
  }

  /**
   * The settings this limiter works with, for diagnostics: a clock resolution of zero means the clock is
   * read on every decision (always so with an injected clock, which is not shown).
   */
  @Override
  public String toString() {
    Duration clockResolution = ticker instanceof TickingClock ticking ? ticking.resolution() : Duration.ZERO;
    String expiry = statesPolicy.expireAfterAccess()
        .map(idle -> ", expireAfterIdle=" + idle.getExpiresAfter()).orElse("");
    return "LocalRateLimiter[maximumKeys=" + statesPolicy.eviction().orElseThrow().getMaximum()
        + ", clockResolution=" + clockResolution + expiry + "]";
  }

  /** For tests: the number of policy and key pairs held after pending eviction and expiry work is done. */
  long keyCount() {
    states.cleanUp();
    return states.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }

  /**
   * For tests: starts leases on a key of at most {@value #PLAIN_KEY_MAX_LENGTH} characters, as threads that
   * keep colliding on it would, when the policy's only limit has a burst large enough for them; decisions
   * are otherwise unchanged.
   */
  void startLeasing(String key, RateLimitPolicy policy) {
    install(key, policy.name(), policy.limits()).startLeasing();
  }

  /** For tests: whether the key is held as it is (one longer than 256 characters is held as its digest). */
  boolean holdsAsItIs(String key) {
    return states.asMap().containsKey(key);
  }

  private static @Nullable KeyState find(@Nullable Object held, String name) {
    if (held instanceof KeyState state) {
      return state.belongsTo(name) ? state : null;
    }
    if (held instanceof KeyState[] several) {
      for (KeyState state : several) {
        if (state.belongsTo(name)) {
          return state;
        }
      }
    }
    return null;
  }

  /**
   * Adds the state of a policy name to a key's entry, or replaces it with one for the given limits (carrying
   * over what the limits share), unless another thread already did.
   */
  private KeyState install(Object id, String name, List<Limit> limits) {
    Object held = states.asMap().compute(id, (ignored, current) -> withState(current, name, limits));
    return Objects.requireNonNull(find(held, name));
  }

  private static Object withState(@Nullable Object held, String name, List<Limit> limits) {
    if (held == null) {
      return new KeyState(name, limits);
    }
    KeyState[] several = held instanceof KeyState[] array ? array : new KeyState[] {(KeyState) held};
    for (int i = 0; i < several.length; i++) {
      if (several[i].belongsTo(name)) {
        if (several[i].hasLimits(limits)) {
          return held;
        }
        KeyState[] updated = several.clone();
        updated[i] = several[i].translatedTo(limits);
        return updated.length == 1 ? updated[0] : updated;
      }
    }
    KeyState[] extended = Arrays.copyOf(several, several.length + 1);
    extended[several.length] = new KeyState(name, limits);
    return extended;
  }

  /** Microseconds (the unit of every TAT) on this limiter's time line. */
  private long nowMicros() {
    InstantSource injected = clock;
    return injected == null ? Math.floorDiv(ticker.read(), 1_000L) : Gcra.micros(injected.instant());
  }

  private static boolean isSystemClock(InstantSource clock) {
    // InstantSource.system() is the UTC system clock; a system clock in another zone reads the same instants.
    return clock.equals(InstantSource.system()) || clock instanceof Clock c && c.equals(Clock.system(c.getZone()));
  }

  /** The idle-expiry clock: the same time line as decisions, in nanoseconds. */
  private static Ticker cacheTicker(@Nullable InstantSource clock, Ticker systemTicker) {
    if (clock == null) {
      return systemTicker;
    }
    return () -> Gcra.micros(clock.instant()) * 1_000L;
  }

  /** The storage key of a key longer than {@value #PLAIN_KEY_MAX_LENGTH} characters: bounded, never plain. */
  private record Digested(String storageKey) {
  }

  /**
   * Configures a {@link LocalRateLimiter}. Setters validate at once and name the bad value. Not thread-safe.
   */
  public static final class Builder {

    private long maximumKeys = 100_000;
    private InstantSource clock = InstantSource.system();
    private Duration clockResolution = Duration.ofMillis(1);
    private @Nullable Duration expireAfterIdle;

    private Builder() {
    }

    /**
     * Sets how many keys (policy and key pairs) the limiter holds at most; beyond that, entries are evicted
     * and their keys start again with a full bucket. Default 100,000.
     *
     * @param maximumKeys at least 1
     * @return this builder
     * @throws IllegalArgumentException when maximumKeys is below 1
     */
    public Builder maximumKeys(long maximumKeys) {
      if (maximumKeys < 1) {
        throw new IllegalArgumentException("maximumKeys must be at least 1: " + maximumKeys);
      }
      this.maximumKeys = maximumKeys;
      return this;
    }

    /**
     * Sets the clock every decision is computed from. Default {@link InstantSource#system()}, for which the
     * limiter reads the JVM's monotonic clock instead; tests pass a clock they advance.
     *
     * @param clock the time source, read once per decision
     * @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets how finely decisions on the system clock see time: a background thread (a daemon that waits
     * whenever no decision is made, and ends with the limiter) reads the system clock this often while
     * decisions are made, and decisions read what it read. Default 1 ms, for which a decision measured a
     * little over half of what it costs reading the system clock itself. {@link Duration#ZERO} reads the system
     * clock on every decision, with no thread. Ignored with a {@linkplain #clock(InstantSource) clock} other
     * than the system clock.
     *
     * <p>A decision sees time up to about one resolution late (longer only while the machine does not run
     * the thread), never early: a key gets at most what a limiter whose windows are one resolution longer
     * would give it, and usually exactly what an exact one would. The thread also runs the cache's
     * maintenance, so eviction may lag by up to a resolution too (writers do it themselves when more than a
     * few hundred new keys are waiting for it).
     *
     * @param clockResolution from zero to one second
     * @return this builder
     * @throws IllegalArgumentException when negative or longer than a second
     */
    public Builder clockResolution(Duration clockResolution) {
      Objects.requireNonNull(clockResolution, "clockResolution");
      if (clockResolution.isNegative() || clockResolution.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException("clockResolution must be between 0 and 1 s: " + clockResolution);
      }
      this.clockResolution = clockResolution;
      return this;
    }

    /**
     * Also forgets a key once it has not been used for this long (on the limiter's clock); it then starts
     * again with a full bucket. Choose at least the longest time any of your limits needs to refill
     * completely ({@code burst × period / quota}), or an idle key may get its burst back early. Default:
     * keys are only evicted by {@linkplain #maximumKeys(long) size}, which makes decisions cheaper.
     *
     * @param expireAfterIdle positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder expireAfterIdle(Duration expireAfterIdle) {
      Objects.requireNonNull(expireAfterIdle, "expireAfterIdle");
      if (expireAfterIdle.isZero() || expireAfterIdle.isNegative()) {
        throw new IllegalArgumentException("expireAfterIdle must be positive: " + expireAfterIdle);
      }
      this.expireAfterIdle = expireAfterIdle;
      return this;
    }

    /**
     * Creates the limiter.
     *
     * @return a new, empty limiter
     */
    public LocalRateLimiter build() {
      return new LocalRateLimiter(this);
    }
  }
}
