package dev.otto.problem.micrometer;

import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ProblemListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Counts problem responses in {@value #METER_NAME}, tagged with {@code status} (the numeric HTTP status,
 * so at most 500 distinct values).
 *
 * <pre>{@code
 * ProblemMetrics metrics = new ProblemMetrics();
 * metrics.bindTo(meterRegistry);
 * ProblemResponseWriter writer = ProblemResponseWriter.builder().listener(metrics).build();
 * }</pre>
 *
 * <p>It may be registered as a listener before or after {@link #bindTo}: problems seen before the first
 * registry is bound are not counted, and it can be bound to several registries. Thread-safe and
 * lock-free on the counting path. This class is only loaded when Micrometer is on the classpath, which is
 * why it lives in its own package and nothing else refers to it.
 */
public final class ProblemMetrics implements ProblemListener, MeterBinder {

  /** The name of the counter. */
  public static final String METER_NAME = "otto.problem.responses";

  private static final int MIN_STATUS = 100;

  // Forwards to every bound registry; meters created before a binding are added to it when it binds.
  private final CompositeMeterRegistry registries = new CompositeMeterRegistry();
  private final AtomicReferenceArray<Counter> counters = new AtomicReferenceArray<>(500);

  /** Creates unbound metrics. */
  public ProblemMetrics() {}

  /** Creates unbound metrics; the same as {@code new ProblemMetrics()}. */
  public static ProblemMetrics create() {
    return new ProblemMetrics();
  }

  /** Adds {@code registry} to those that receive the counts from now on. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry must not be null");
    registries.add(registry);
  }

  /** Counts {@code problem} under its status. */
  @Override
  public void onProblem(Problem problem, HttpServletRequest request) {
    int index = problem.status() - MIN_STATUS;
    Counter counter = counters.get(index);
    if (counter == null) {
      counter = Counter.builder(METER_NAME)
          .description("Problem (RFC 9457) responses written, by HTTP status")
          .tag("status", Integer.toString(problem.status()))
          .register(registries);
      counters.set(index, counter);
    }
    counter.increment();
  }
}
