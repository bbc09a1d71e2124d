package dev.otto.ratelimit.local;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiter;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;

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
 * <p>State lives in a Caffeine cache bounded by {@link Builder#maximumKeys(long)}. Each entry's expiry is
 * computed from its own limits: it expires τ (the time its largest limit needs to refill from empty) plus
 * one second after its last use, so never before its bucket is full again (its TAT is in the past), and
 * idle keys cost nothing. When more keys than the maximum are active, the least valuable entries are
 * evicted and their keys start again with a full bucket.
 *
 * <p>Threading: thread-safe and lock-free. Each key's TATs are replaced by compare-and-set, so concurrent
 * requests on one key are charged exactly once each, and a policy's limits are charged together or not at
 * all. Failure: never throws except for invalid arguments.
 */
public final class LocalRateLimiter implements RateLimiter {

  private final InstantSource clock;
  private final Cache<String, KeyState> states;

  private LocalRateLimiter(Builder builder) {
    this.clock = builder.clock;
    this.states = Caffeine.newBuilder()
        .maximumSize(builder.maximumKeys)
        .ticker(ticker(clock))
        .expireAfter(new KeepUntilFull())
        .build();
  }

  /**
   * Starts a limiter with at most 100,000 keys and the system clock.
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
    String id = policy.storageKey(key);
    List<Limit> limits = policy.limits();
    // Read the clock before the cache: the entry's keep time then starts no earlier than "now", so it
    // always covers the TAT this request may store.
    long now = Gcra.micros(clock.instant());
    while (true) {
      KeyState state = states.getIfPresent(id);
      if (state == null) {
        state = states.get(id, ignored -> new KeyState(limits));
      }
      if (state.limits != limits && !state.limits.equals(limits)) {
        states.asMap().replace(id, state, state.translatedTo(limits));
        continue;
      }
      long[] tats = state.tats();
      Gcra.Verdict verdict = Gcra.evaluate(limits, tats, now, permits);
      long[] update = verdict.newTats();
      if (update == null || state.compareAndSet(tats, update)) {
        return new RateLimitDecision(verdict.allowed(), verdict.remaining(),
            micros(verdict.resetAfterMicros()), micros(verdict.retryAfterMicros()),
            limits.get(verdict.decidingLimit()), RateLimitBackend.LOCAL);
      }
    }
  }

  /** For tests: the number of keys held after pending expiry work is done. */
  long keyCount() {
    states.cleanUp();
    return states.estimatedSize();
  }

  private static Duration micros(long micros) {
    return micros == 0 ? Duration.ZERO : Duration.ofNanos(micros * 1_000);
  }

  /**
   * The cache's expiry clock: the injected clock itself, except that for the system clock the cheaper
   * monotonic system ticker measures the same durations (expiry only ever uses differences).
   */
  private static Ticker ticker(InstantSource clock) {
    if (clock.equals(InstantSource.system())) {
      return Ticker.systemTicker();
    }
    return () -> {
      Instant now = clock.instant();
      return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    };
  }

  /** Keeps an entry for τ (plus a margin) after each use: until its bucket is full again. */
  private static final class KeepUntilFull implements Expiry<String, KeyState> {

    @Override
    public long expireAfterCreate(String key, KeyState state, long currentTime) {
      return state.keepNanos;
    }

    @Override
    public long expireAfterUpdate(String key, KeyState state, long currentTime, long currentDuration) {
      return state.keepNanos;
    }

    @Override
    public long expireAfterRead(String key, KeyState state, long currentTime, long currentDuration) {
      return state.keepNanos;
    }
  }

  /**
   * Configures a {@link LocalRateLimiter}. Setters validate at once and name the bad value. Not thread-safe.
   */
  public static final class Builder {

    private long maximumKeys = 100_000;
    private InstantSource clock = InstantSource.system();

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
     * Sets the clock every decision and every entry's expiry is computed from. Default
     * {@link InstantSource#system()}; tests pass a clock they advance.
     *
     * @param clock the time source, read once per decision
     * @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
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
