package dev.otto.ratelimit.fallback;

import dev.otto.ratelimit.FailureMode;
import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitListener;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.RateLimiterUnavailableException;
import dev.otto.ratelimit.local.LocalRateLimiter;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RateLimiter} that decides on Redis while Redis answers and keeps deciding when it does not.
 *
 * <pre>{@code
 * RedisRateLimiter redis = RedisRateLimiter.builder().uri("redis://redis:6379").build();
 * FallbackRateLimiter limiter = FallbackRateLimiter.builder()
 *     .primary(redis)
 *     .failureMode(FailureMode.FAIL_LOCAL)                  // the default
 *     .localPolicy(policy -> policy)                         // the default: the same limits per instance
 *     .listener(new RateLimitListener() {
 *       public void onFallbackEngaged(Throwable cause) { alerts.raise(cause); }
 *     })
 *     .build();
 * }</pre>
 *
 * <p><b>Breaker.</b> Every decision goes to the {@linkplain Builder#primary(RedisRateLimiter) Redis limiter}
 * and waits at most its command timeout. A decision whose Redis call fails is decided by the
 * {@linkplain Builder#failureMode(FailureMode) failure mode} instead. After
 * {@linkplain Builder#failureThreshold(int) failureThreshold} consecutive failures the breaker opens: decisions
 * no longer touch Redis and cost a local decision only, while a probe runs every
 * {@linkplain Builder#probeInterval(Duration) probe interval} on the scheduler. The first probe that
 * succeeds closes the breaker, so decisions are back on Redis within a probe interval (plus the client's
 * reconnect delay) of Redis answering again.
 *
 * <p><b>Failure modes.</b> {@link FailureMode#FAIL_LOCAL} decides with the
 * {@linkplain Builder#local(LocalRateLimiter) local limiter} under
 * {@linkplain Builder#localPolicy(UnaryOperator) localPolicy(policy)} ({@link RateLimitBackend#LOCAL});
 * {@link FailureMode#FAIL_OPEN} allows and {@link FailureMode#FAIL_CLOSED} rejects with a retry after the
 * probe interval (both {@link RateLimitBackend#NONE}).
 *
 * <p><b>Observability.</b> Each state change is logged once (WARN when the breaker opens, with the cause;
 * INFO when it closes, with how long it was open) and offered to the
 * {@linkplain Builder#listener(RateLimitListener) listeners}, for example
 * {@code dev.otto.ratelimit.micrometer.RateLimiterMetrics}, on the {@linkplain Builder#scheduler probe
 * scheduler}'s thread, so that the request that opens the breaker does not wait for them, and in the
 * order the changes happened (given a scheduler of one thread, as the limiter's own is). Closing the
 * limiter while the breaker is open ends the outage for them too ({@link #close()}). A listener that
 * throws, even an {@link Error} such as {@link AssertionError}, is logged and changes nothing: the other
 * listeners are told all the same, probing starts, and nothing reaches a request.
 *
 * <p><b>Threading and failure.</b> Thread-safe and lock-free. Never throws or fails a stage because Redis
 * failed; only invalid arguments throw. {@link #close()} stops probing and shuts down a scheduler the
 * limiter created; it does not close the Redis limiter, which belongs to whoever built it.
 */
public final class FallbackRateLimiter implements RateLimiter, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FallbackRateLimiter.class);

  private final RedisRateLimiter primary;
  private final LocalRateLimiter local;
  private final FailureMode failureMode;
  private final int failureThreshold;
  private final Duration probeInterval;
  private final UnaryOperator<RateLimitPolicy> localPolicy;
  private final List<RateLimitListener> listeners;
  private final InstantSource clock;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;

  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** The current outage, or null while decisions go to Redis. */
  private final AtomicReference<@Nullable Outage> outage = new AtomicReference<>();
  private volatile boolean closed;
  /** Whether this limiter created its local limiter (and so closes it). */
  private final boolean ownsLocal;

  private FallbackRateLimiter(Builder builder, RedisRateLimiter primary) {
    this.primary = primary;
    this.clock = builder.clock;
    this.ownsLocal = builder.local == null;
    this.local = builder.local != null ? builder.local : LocalRateLimiter.builder().clock(clock).build();
    this.failureMode = builder.failureMode;
    this.failureThreshold = builder.failureThreshold;
    this.probeInterval = builder.probeInterval;
    this.localPolicy = builder.localPolicy;
    this.listeners = List.copyOf(builder.listeners);
    if (builder.scheduler != null) {
      this.scheduler = builder.scheduler;
      this.ownsScheduler = false;
    } else {
      ScheduledThreadPoolExecutor owned = new ScheduledThreadPoolExecutor(1, runnable -> {
        Thread thread = new Thread(runnable, "otto-ratelimit-probe");
        thread.setDaemon(true);
        return thread;
      });
      owned.setRemoveOnCancelPolicy(true);
      this.scheduler = owned;
      this.ownsScheduler = true;
    }
  }

  /**
   * Starts a fallback limiter; {@link Builder#primary(RedisRateLimiter)} is required.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Decides on Redis, or without it while it is unavailable. Waits at most the Redis limiter's command
   * timeout, and not at all while the breaker is open.
   *
   * @throws IllegalArgumentException when permits is out of range for the policy
   */
  @Override
  public RateLimitDecision tryAcquire(String key, RateLimitPolicy policy, int permits) {
    policy.requirePermits(permits);
    if (outage.get() != null) {
      return decideWithoutRedis(key, policy, permits);
    }
    RateLimitDecision decision;
    try {
      decision = primary.tryAcquire(key, policy, permits);
    } catch (RateLimiterUnavailableException e) {
      recordFailure(e);
      return decideWithoutRedis(key, policy, permits);
    }
    recordSuccess();
    return decision;
  }

  /**
   * Decides on Redis without blocking, or at once without it while it is unavailable. The stage never
   * completes exceptionally because Redis failed.
   *
   * @throws IllegalArgumentException when permits is out of range for the policy
   */
  @Override
  public CompletionStage<RateLimitDecision> tryAcquireAsync(String key, RateLimitPolicy policy, int permits) {
    policy.requirePermits(permits);
    if (outage.get() != null) {
      return CompletableFuture.completedFuture(decideWithoutRedis(key, policy, permits));
    }
    return primary.tryAcquireAsync(key, policy, permits).handle((decision, failure) -> {
      if (failure == null) {
        recordSuccess();
        return decision;
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (cause instanceof RateLimiterUnavailableException unavailable) {
        recordFailure(unavailable);
        return decideWithoutRedis(key, policy, permits);
      }
      throw failure instanceof CompletionException completion ? completion : new CompletionException(failure);
    });
  }

  /**
   * Checks Redis once, the way the background probe does (see {@link RedisRateLimiter#probe()}), whether
   * or not decisions are currently local; suits readiness checks. Never changes the breaker's state.
   *
   * @return a stage completed normally when Redis answered, or exceptionally with
   *     {@link dev.otto.ratelimit.RateLimiterUnavailableException}
   */
  public CompletionStage<Void> probe() {
    return primary.probe();
  }

  /**
   * Returns whether decisions are currently made without Redis (the breaker is open).
   *
   * @return true while degraded
   */
  public boolean isDegraded() {
    return outage.get() != null;
  }

  /**
   * Stops probing and shuts down the scheduler and the local limiter if this limiter created them. Neither
   * the Redis limiter nor a scheduler or local limiter passed in is closed. Decisions remain possible, and
   * stay local if Redis was unavailable. Idempotent.
   *
   * <p>If the listeners were told of an outage and not yet of its end, they are told
   * {@link RateLimitListener#onFallbackLimiterClosed} on the scheduler, after any change still to be told; an
   * outage not yet told is then never told. Either way, the listeners no longer count a closed limiter as
   * degraded ({@link #isDegraded()} still says whether its decisions are local).
   */
  @Override
  public void close() {
    closed = true;
    if (ownsLocal) {
      local.close();
    }
    Outage current = outage.get();
    if (current != null) {
      current.stopProbing();
    }
    onScheduler(this::tellClosed);
    if (ownsScheduler) {
      scheduler.shutdown(); // not shutdownNow(), which would drop the telling queued before and just now
    }
  }

  /**
   * Returns the {@linkplain Builder#localPolicy(UnaryOperator) local policy} for a decision the local
   * limiter made (asking the operator again), else {@code policy}.
   */
  @Override
  public RateLimitPolicy appliedPolicy(RateLimitPolicy policy, RateLimitDecision decision) {
    return decision.backend() == RateLimitBackend.LOCAL ? localPolicy.apply(policy) : policy;
  }

  private RateLimitDecision decideWithoutRedis(String key, RateLimitPolicy policy, int permits) {
    Limit first = policy.limits().get(0);
    switch (failureMode) {
      case FAIL_OPEN:
        return new RateLimitDecision(true, first.burst() - permits, 0, 0, first, RateLimitBackend.NONE);
      case FAIL_CLOSED:
        long probeNanos = probeInterval.toNanos();
        return new RateLimitDecision(false, 0, probeNanos, probeNanos, first, RateLimitBackend.NONE);
      case FAIL_LOCAL:
      default:
        RateLimitPolicy degraded = Objects.requireNonNull(localPolicy.apply(policy), "localPolicy returned null");
        if (permits > degraded.maxPermits()) {
          // The degraded policy can never grant this many at once; say so rather than fail the request.
          Limit smallest = degraded.limits().get(0);
          return new RateLimitDecision(false, 0, 0, probeInterval.toNanos(), smallest, RateLimitBackend.LOCAL);
        }
        return local.tryAcquire(key, degraded, permits);
    }
  }

  private void recordSuccess() {
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
  }

  private void recordFailure(RateLimiterUnavailableException failure) {
    int failures = consecutiveFailures.incrementAndGet();
    if (failures < failureThreshold || closed) {
      LOG.debug("Redis rate-limit call failed ({} in a row): {}", failures, failure.getMessage());
      return;
    }
    Outage started = new Outage(clock.instant(), failure);
    if (!outage.compareAndSet(null, started)) {
      return; // another thread opened the breaker first
    }
    // The log line, the listeners and the probe's schedule are the scheduler's work, not the request's: the
    // first time, they kept the request that opened the breaker 7 to 15 ms past its command timeout.
    onScheduler(() -> announce(started, failures));
  }

  /**
   * Runs a state change's work on the scheduler, so that one limiter's changes are told in the order they
   * happened; or on this thread once the scheduler is shut down, to tell of them all the same.
   */
  private void onScheduler(Runnable work) {
    try {
      scheduler.execute(work);
    } catch (RejectedExecutionException e) {
      work.run();
    }
  }

  private void announce(Outage started, int failures) {
    if (closed) {
      return; // closed before this outage was told: tellClosed tells no end of it, so nothing is told
    }
    LOG.warn("Rate limiting without Redis ({} decisions) after {} failed call(s) in a row: {}; probing every {}",
        failureMode, failures, started.cause.getMessage(), probeInterval);
    try {
      tell("onFallbackEngaged", listener -> listener.onFallbackEngaged(started.cause));
    } finally {
      started.announced = true;
      // Only the probe closes the breaker again, so no listener may keep it from starting. It starts after
      // the listeners, so that they hear of the outage before a probe can end it, whatever the scheduler.
      started.startProbing();
    }
  }

  /**
   * Tells every listener, each whatever the others do. This may run on a request thread (see
   * {@link #onScheduler}), so a listener's failure is logged and goes no further: a runtime exception at
   * WARN, an {@link Error} such as {@link AssertionError} or {@link LinkageError} (a bug in the listener,
   * not a state of this limiter) at ERROR. Only a {@link VirtualMachineError}, out of memory or stack, is
   * rethrown, since nothing can be trusted to carry on after it.
   */
  private void tell(String event, Consumer<RateLimitListener> call) {
    for (RateLimitListener listener : listeners) {
      try {
        call.accept(listener);
      } catch (RuntimeException e) {
        LOG.warn("RateLimitListener {} failed in {}", listener, event, e);
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Error e) {
        LOG.error("RateLimitListener {} failed in {} with an Error; the rate limiter carries on", listener, event, e);
      }
    }
  }

  /**
   * Closes the breaker, on the scheduler: an outage that starts right after can then only be announced
   * after this recovery. The failure count is reset first, since it stayed at the threshold while the
   * breaker was open and one failure of the first decisions on Redis must not reopen it.
   */
  private void recover(Outage ended) {
    if (outage.get() != ended || closed || !ended.end()) {
      return; // a closed limiter tells of its close instead
    }
    consecutiveFailures.set(0);
    outage.compareAndSet(ended, null); // succeeds: only the caller that ended this outage clears it
    ended.stopProbing();
    Duration degradedFor = ended.duration();
    LOG.info("Rate limiting uses Redis again after {} without it", degradedFor);
    tell("onFallbackRecovered", listener -> listener.onFallbackRecovered(degradedFor));
  }

  /**
   * Ends the current outage for the listeners when the limiter closes: they were told it began, and with
   * probing stopped no recovery will tell them it ended, so a gauge fed by them would show this limiter as
   * degraded for as long as it lives. The outage itself stays, so decisions after the close stay local.
   */
  private void tellClosed() {
    Outage current = outage.get();
    if (current == null || !current.announced || !current.end()) {
      return;
    }
    Duration degradedFor = current.duration();
    LOG.info("Rate limiter closed after {} without Redis", degradedFor);
    tell("onFallbackLimiterClosed", listener -> listener.onFallbackLimiterClosed(degradedFor));
  }

  /** One period without Redis and the probe that ends it. */
  private final class Outage implements Runnable {

    final Instant since;
    final Throwable cause;
    /** Whether the listeners were told it began, so that a close must tell them it ended. */
    volatile boolean announced;
    private final AtomicBoolean probing = new AtomicBoolean();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile @Nullable ScheduledFuture<?> schedule;

    Outage(Instant since, Throwable cause) {
      this.since = since;
      this.cause = cause;
    }

    /**
     * Returns {@code true} to the one caller that ends this outage, by recovery or by close, so the
     * listeners hear of its end once even when the two race (as they can once the scheduler is shut down
     * and both run on their callers' threads).
     */
    boolean end() {
      return ended.compareAndSet(false, true);
    }

    /** How long decisions have been made without Redis. */
    Duration duration() {
      Duration elapsed = Duration.between(since, clock.instant());
      return elapsed.isNegative() ? Duration.ZERO : elapsed;
    }

    void startProbing() {
      try {
        schedule = scheduler.scheduleWithFixedDelay(
            this, probeInterval.toNanos(), probeInterval.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        if (!closed) {
          LOG.error("Cannot schedule Redis probes; rate limiting stays without Redis until restarted", e);
        }
      }
      if (closed) {
        stopProbing();
      }
    }

    void stopProbing() {
      ScheduledFuture<?> scheduled = schedule;
      if (scheduled != null) {
        scheduled.cancel(false);
      }
    }

    @Override
    public void run() {
      if (closed || outage.get() != this) {
        stopProbing();
        return;
      }
      if (!probing.compareAndSet(false, true)) {
        return; // the previous probe is still waiting for Redis
      }
      CompletionStage<Void> probe;
      try {
        probe = primary.probe();
      } catch (RuntimeException e) {
        probing.set(false);
        LOG.warn("Redis probe could not be sent", e);
        return;
      }
      probe.whenComplete((ignored, failure) -> {
        probing.set(false);
        if (failure == null) {
          onScheduler(() -> recover(this));
        } else {
          LOG.debug("Redis probe failed: {}", failure.getMessage());
        }
      });
    }

    @Override
    public String toString() {
      return "Outage[since=" + since + ", cause=" + cause + "]";
    }
  }

  /**
   * Configures a {@link FallbackRateLimiter}. Setters validate at once and name the bad value. Not
   * thread-safe.
   */
  public static final class Builder {

    private @Nullable RedisRateLimiter primary;
    private @Nullable LocalRateLimiter local;
    private FailureMode failureMode = FailureMode.FAIL_LOCAL;
    private int failureThreshold = 3;
    private Duration probeInterval = Duration.ofSeconds(1);
    private UnaryOperator<RateLimitPolicy> localPolicy = UnaryOperator.identity();
    private final List<RateLimitListener> listeners = new ArrayList<>();
    private InstantSource clock = InstantSource.system();
    private @Nullable ScheduledExecutorService scheduler;

    private Builder() {
    }

    /**
     * Sets the Redis limiter that decides while Redis answers. Required. The fallback limiter uses it but
     * does not close it.
     *
     * @param primary the shared limiter
     * @return this builder
     */
    public Builder primary(RedisRateLimiter primary) {
      this.primary = Objects.requireNonNull(primary, "primary");
      return this;
    }

    /**
     * Sets the limiter that decides while Redis is unavailable in {@link FailureMode#FAIL_LOCAL}. Default: a
     * new {@link LocalRateLimiter} with this builder's clock.
     *
     * @param local the per-instance limiter
     * @return this builder
     */
    public Builder local(LocalRateLimiter local) {
      this.local = Objects.requireNonNull(local, "local");
      return this;
    }

    /**
     * Sets what is decided while Redis is unavailable. Default {@link FailureMode#FAIL_LOCAL}.
     *
     * @param failureMode local, open or closed
     * @return this builder
     */
    public Builder failureMode(FailureMode failureMode) {
      this.failureMode = Objects.requireNonNull(failureMode, "failureMode");
      return this;
    }

    /**
     * Sets how many Redis failures in a row open the breaker. Default 3: each failure already costs its
     * request up to the command timeout and under load the failures of an outage arrive together, so three
     * open the breaker within one timeout of an outage, while a single slow command (a blip) does not
     * move every instance to per-instance limits for a probe interval. Every failed decision is still
     * decided by the failure mode, so no request fails either way. Use 1 to open at the first failure.
     *
     * @param failureThreshold at least 1
     * @return this builder
     * @throws IllegalArgumentException when below 1
     */
    public Builder failureThreshold(int failureThreshold) {
      if (failureThreshold < 1) {
        throw new IllegalArgumentException("failureThreshold must be at least 1: " + failureThreshold);
      }
      this.failureThreshold = failureThreshold;
      return this;
    }

    /**
     * Sets how often Redis is probed while the breaker is open (and the retry-after of
     * {@link FailureMode#FAIL_CLOSED} rejections). Default 1 s.
     *
     * @param probeInterval at least 10 ms and at most 1 minute
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder probeInterval(Duration probeInterval) {
      Objects.requireNonNull(probeInterval, "probeInterval");
      if (probeInterval.compareTo(Duration.ofMillis(10)) < 0 || probeInterval.compareTo(Duration.ofMinutes(1)) > 0) {
        throw new IllegalArgumentException("probeInterval must be between 10 ms and 1 minute: " + probeInterval);
      }
      this.probeInterval = probeInterval;
      return this;
    }

    /**
     * Sets the policy the local limiter applies while degraded, given the policy of the request. Default:
     * the same policy, which then holds per instance (with N instances, up to N times the shared limit);
     * for example {@code p -> RateLimitPolicy.of(p.name(), 100 / instances, Duration.ofSeconds(1))}. Called
     * on every degraded decision, and again by {@link FallbackRateLimiter#appliedPolicy} to advertise it, so it
     * should be cheap (return prepared policies), return the same policy for the same input and keep the
     * name.
     *
     * @param localPolicy maps a policy to its degraded form; must not return null
     * @return this builder
     */
    public Builder localPolicy(UnaryOperator<RateLimitPolicy> localPolicy) {
      this.localPolicy = Objects.requireNonNull(localPolicy, "localPolicy");
      return this;
    }

    /**
     * Adds a listener told when the breaker opens and closes. May be called more than once.
     *
     * @param listener a thread-safe, non-blocking listener
     * @return this builder
     */
    public Builder listener(RateLimitListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets the clock for outage durations and for the default local limiter. Default
     * {@link InstantSource#system()}.
     *
     * @param clock the time source
     * @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Sets the scheduler probes run on, which also logs state changes and tells the listeners of them (in
     * the order they happened when it has one thread); it is not shut down by
     * {@link FallbackRateLimiter#close()}. Default: a single daemon thread ({@code otto-ratelimit-probe}) the
     * limiter creates when Redis first fails and shuts down. Probes never block it.
     *
     * @param scheduler the scheduler
     * @return this builder
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /**
     * Creates the limiter; it starts closed (on Redis).
     *
     * @return the limiter
     * @throws IllegalStateException when no primary was set
     */
    public FallbackRateLimiter build() {
      if (primary == null) {
        throw new IllegalStateException("FallbackRateLimiter needs primary(RedisRateLimiter)");
      }
      return new FallbackRateLimiter(this, primary);
    }
  }
}
