package dev.otto.ratelimit.micrometer;

import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitListener;
import dev.otto.ratelimit.RateLimitPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for rate limiting, in one place:
 * <ul>
 *   <li>{@code otto.ratelimit.decisions} (counter; tags {@code policy}, {@code outcome}=allowed|rejected,
 *       {@code backend}=redis|local|none), fed by {@link #recordDecision}. A policy's {@code redis} and
 *       {@code local} series start at zero with its first decision; its {@code none} series appears with its
 *       first fail-open or fail-closed decision (see {@link dev.otto.ratelimit.FailureMode}), so a limiter
 *       that falls back to the local one, the default, never shows one;
 *   <li>{@code otto.ratelimit.redis.latency} (timer, seconds; tag {@code outcome}=success|failure), fed as a
 *       listener of the Redis limiter;
 *   <li>{@code otto.ratelimit.fallback.active} (gauge, 1 while a fallback limiter decides without Redis, 0
 *       again once it recovers or is closed) and
 *       {@code otto.ratelimit.fallback.transitions} (counter; tag {@code state}=engaged|recovered), fed as a
 *       listener of the fallback limiter.
 * </ul>
 * Tags are low-cardinality: never a key, user, IP or path.
 *
 * <pre>{@code
 * RateLimiterMetrics metrics = new RateLimiterMetrics();
 * metrics.bindTo(meterRegistry);
 * RedisRateLimiter redis = RedisRateLimiter.builder().uri(uri).listener(metrics).build();
 * FallbackRateLimiter limiter = FallbackRateLimiter.builder().primary(redis).listener(metrics).build();
 * // per request, after deciding:
 * metrics.recordDecision(policy, decision);
 * }</pre>
 *
 * <p>Events before {@link #bindTo} are not counted (the gauge always shows the current state). Binding to
 * several registries records into each. Thread-safe and non-blocking.
 */
public final class RateLimiterMetrics implements RateLimitListener, MeterBinder {

  private static final String DECISIONS = "otto.ratelimit.decisions";
  private static final RateLimitBackend[] BACKENDS = RateLimitBackend.values();
  /**
   * The back ends whose series a policy gets with its first decision. Not {@link RateLimitBackend#NONE}, which
   * only fail-open and fail-closed decisions have: these metrics are built apart from the limiter they observe
   * and cannot tell its failure mode, so that series is registered with the first decision that needs it.
   */
  private static final List<RateLimitBackend> REGISTERED_FIRST =
      List.of(RateLimitBackend.REDIS, RateLimitBackend.LOCAL);

  /** Fallback limiters currently without Redis (0 or 1 with one fallback limiter). */
  private final AtomicInteger active = new AtomicInteger();
  private final List<Meters> bound = new CopyOnWriteArrayList<>();

  /** Creates metrics that record nothing until bound to a registry. */
  public RateLimiterMetrics() {
  }

  /**
   * Registers the meters in {@code registry}; binding the same registry again has no effect.
   *
   * @param registry where to record
   */
  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    for (Meters meters : bound) {
      if (meters.registry == registry) {
        return;
      }
    }
    bound.add(new Meters(registry, active));
  }

  /**
   * Counts one decision in {@code otto.ratelimit.decisions}, tagged with the policy name, the outcome and
   * the back end that decided.
   *
   * @param policy the policy the decision was made under
   * @param decision the decision
   */
  public void recordDecision(RateLimitPolicy policy, RateLimitDecision decision) {
    for (Meters meters : bound) {
      meters.decision(policy.name(), decision.allowed(), decision.backend()).increment();
    }
  }

  /**
   * Counts the filter's decision like {@link #recordDecision}. Shadow decisions are counted with the
   * outcome enforcement would have had, which is what shadow mode is for.
   */
  @Override
  public void onDecision(RateLimitPolicy policy, RateLimitDecision decision, boolean shadow) {
    recordDecision(policy, decision);
  }

  /** Counts the transition and sets {@code otto.ratelimit.fallback.active} to 1. */
  @Override
  public void onFallbackEngaged(Throwable cause) {
    active.incrementAndGet();
    for (Meters meters : bound) {
      meters.engaged.increment();
    }
  }

  /** Counts the transition and sets {@code otto.ratelimit.fallback.active} back to 0. */
  @Override
  public void onFallbackRecovered(Duration degradedFor) {
    endActive();
    for (Meters meters : bound) {
      meters.recovered.increment();
    }
  }

  /**
   * Sets {@code otto.ratelimit.fallback.active} back to 0 without counting a transition: Redis did not come
   * back, but a closed limiter must not show as degraded for as long as these metrics live.
   */
  @Override
  public void onFallbackLimiterClosed(Duration degradedFor) {
    endActive();
  }

  private void endActive() {
    active.updateAndGet(value -> Math.max(0, value - 1));
  }

  /** Records the script call in {@code otto.ratelimit.redis.latency}. */
  @Override
  public void onRedisCall(Duration latency, @Nullable Throwable failure) {
    for (Meters meters : bound) {
      (failure == null ? meters.latencySuccess : meters.latencyFailure).record(latency);
    }
  }

  private static int index(boolean allowed, RateLimitBackend backend) {
    return (allowed ? 0 : BACKENDS.length) + backend.ordinal();
  }

  /** The meters of one registry. */
  private static final class Meters {

    final MeterRegistry registry;
    final Counter engaged;
    final Counter recovered;
    final Timer latencySuccess;
    final Timer latencyFailure;
    /** A policy's decision counters by {@link #index}; null for a series not registered yet. */
    private final Map<String, AtomicReferenceArray<Counter>> decisionsByPolicy = new ConcurrentHashMap<>();

    Meters(MeterRegistry registry, AtomicInteger active) {
      this.registry = registry;
      Gauge.builder("otto.ratelimit.fallback.active", active, AtomicInteger::get)
          .description("1 while rate limiting decides without Redis (fallback engaged), else 0")
          .strongReference(true)
          .register(registry);
      this.engaged = transitions(registry, "engaged");
      this.recovered = transitions(registry, "recovered");
      this.latencySuccess = latency(registry, "success");
      this.latencyFailure = latency(registry, "failure");
    }

    Counter decision(String policy, boolean allowed, RateLimitBackend backend) {
      AtomicReferenceArray<Counter> counters = decisionsByPolicy.get(policy);
      if (counters == null) {
        counters = decisionsByPolicy.computeIfAbsent(policy, this::registerFirst);
      }
      int index = index(allowed, backend);
      Counter counter = counters.get(index);
      if (counter == null) {
        // Registering a meter the registry has returns that meter, so threads racing here share one.
        counter = register(policy, allowed, backend);
        counters.set(index, counter);
      }
      return counter;
    }

    private AtomicReferenceArray<Counter> registerFirst(String policy) {
      AtomicReferenceArray<Counter> counters = new AtomicReferenceArray<>(2 * BACKENDS.length);
      for (boolean allowed : new boolean[] {true, false}) {
        for (RateLimitBackend backend : REGISTERED_FIRST) {
          counters.set(index(allowed, backend), register(policy, allowed, backend));
        }
      }
      return counters;
    }

    private Counter register(String policy, boolean allowed, RateLimitBackend backend) {
      return Counter.builder(DECISIONS)
          .description("Rate-limit decisions by policy, outcome and the back end that decided")
          .tag("policy", policy)
          .tag("outcome", allowed ? "allowed" : "rejected")
          .tag("backend", backend.tagValue())
          .register(registry);
    }

    private static Counter transitions(MeterRegistry registry, String state) {
      return Counter.builder("otto.ratelimit.fallback.transitions")
          .description("Times rate limiting stopped (engaged) or resumed (recovered) using Redis")
          .tag("state", state)
          .register(registry);
    }

    private static Timer latency(MeterRegistry registry, String outcome) {
      return Timer.builder("otto.ratelimit.redis.latency")
          .description("Time of one rate-limit script call to Redis, until its answer, error or timeout")
          .tag("outcome", outcome)
          .register(registry);
    }
  }
}
