package dev.otto.idempotency.micrometer;

import dev.otto.idempotency.IdempotencyListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Micrometer meters for idempotency, in one place:
 * <ul>
 *   <li>{@code otto.idempotency.requests} (counter; tag {@code outcome}=executed|replayed|in_flight|mismatch|
 *       rejected): what the filter did with each request of an enforcing rule;
 *   <li>{@code otto.idempotency.shadow.requests} (counter; tag {@code outcome}, same values): what
 *       enforcement would have done with each request of a shadow rule;
 *   <li>{@code otto.idempotency.store.latency} (timer, seconds; tags {@code operation}=claim|complete|release
 *       and {@code outcome}=success|failure): each store call the filter made;
 *   <li>{@code otto.idempotency.lease.lost} (counter): handlers that finished after their key was taken
 *       over, whose response was therefore not stored.
 * </ul>
 * Tags are low-cardinality: never a key, user or path. Every meter is registered when bound, so all show
 * zero before the first request.
 *
 * <pre>{@code
 * IdempotencyMetrics metrics = new IdempotencyMetrics();
 * metrics.bindTo(meterRegistry);
 * IdempotencyFilter filter = IdempotencyFilter.builder().store(store).rule(rule).listener(metrics).build();
 * }</pre>
 *
 * <p>Events before {@link #bindTo} are not counted. Binding to several registries records into each;
 * binding one twice has no effect. Thread-safe and non-blocking.
 */
public final class IdempotencyMetrics implements IdempotencyListener, MeterBinder {

  private static final Outcome[] OUTCOMES = Outcome.values();
  private static final List<String> OPERATIONS = List.of("claim", "complete", "release");

  private final List<Meters> bound = new CopyOnWriteArrayList<>();

  /** Creates metrics that record nothing until bound to a registry. */
  public IdempotencyMetrics() {
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
    bound.add(new Meters(registry));
  }

  /** Counts the request in {@code otto.idempotency.requests}. */
  @Override
  public void onRequest(Outcome outcome) {
    for (Meters meters : bound) {
      meters.requests[outcome.ordinal()].increment();
    }
  }

  /** Counts the request in {@code otto.idempotency.shadow.requests}. */
  @Override
  public void onShadowRequest(Outcome wouldBe) {
    for (Meters meters : bound) {
      meters.shadowRequests[wouldBe.ordinal()].increment();
    }
  }

  /**
   * Records the call in {@code otto.idempotency.store.latency}; an operation other than claim, complete or
   * release is ignored.
   */
  @Override
  public void onStoreCall(String operation, Duration latency, @Nullable Throwable failure) {
    int index = OPERATIONS.indexOf(operation);
    if (index < 0) {
      return;
    }
    for (Meters meters : bound) {
      (failure == null ? meters.latencySuccess : meters.latencyFailure)[index].record(latency);
    }
  }

  /** Counts {@code otto.idempotency.lease.lost}. */
  @Override
  public void onLeaseLost() {
    for (Meters meters : bound) {
      meters.leaseLost.increment();
    }
  }

  @Override
  public String toString() {
    return "IdempotencyMetrics[registries=" + bound.size() + "]";
  }

  /** The meters of one registry. */
  private static final class Meters {

    final MeterRegistry registry;
    final Counter[] requests = new Counter[OUTCOMES.length];
    final Counter[] shadowRequests = new Counter[OUTCOMES.length];
    final Timer[] latencySuccess = new Timer[OPERATIONS.size()];
    final Timer[] latencyFailure = new Timer[OPERATIONS.size()];
    final Counter leaseLost;

    Meters(MeterRegistry registry) {
      this.registry = registry;
      for (Outcome outcome : OUTCOMES) {
        requests[outcome.ordinal()] = Counter.builder("otto.idempotency.requests")
            .description("Requests under an enforcing idempotency rule, by what the filter did")
            .tag("outcome", outcome.tagValue())
            .register(registry);
        shadowRequests[outcome.ordinal()] = Counter.builder("otto.idempotency.shadow.requests")
            .description("Requests under a shadow idempotency rule, by what enforcement would have done")
            .tag("outcome", outcome.tagValue())
            .register(registry);
      }
      for (int i = 0; i < OPERATIONS.size(); i++) {
        latencySuccess[i] = latency(registry, OPERATIONS.get(i), "success");
        latencyFailure[i] = latency(registry, OPERATIONS.get(i), "failure");
      }
      leaseLost = Counter.builder("otto.idempotency.lease.lost")
          .description("Handlers that finished after their idempotency key was taken over; response not stored")
          .register(registry);
    }

    private static Timer latency(MeterRegistry registry, String operation, String outcome) {
      return Timer.builder("otto.idempotency.store.latency")
          .description("Time of one idempotency store call, until its answer, error or timeout")
          .tag("operation", operation)
          .tag("outcome", outcome)
          .register(registry);
    }
  }
}
