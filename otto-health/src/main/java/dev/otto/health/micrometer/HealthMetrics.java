package dev.otto.health.micrometer;

import dev.otto.health.CheckResult;
import dev.otto.health.HealthListener;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Micrometer meters for health checks:
 * <ul>
 *   <li>{@code otto.health.check.duration} (timer, seconds; tags {@code check} and
 *       {@code status}=up|down): how long each run took until its result or its timeout;
 *   <li>{@code otto.health.check.status} (gauge; tag {@code check}): 1 while the check's last result is
 *       {@code UP}, 0 while it is {@code DOWN}; registered with a check's first result.
 * </ul>
 * Check names are few and fixed by configuration, so they are fit to be tags.
 *
 * <pre>{@code
 * HealthMetrics metrics = new HealthMetrics();
 * metrics.bindTo(meterRegistry);
 * ReadinessAggregator readiness = ReadinessAggregator.builder()
 *     .check(database)
 *     .listener(metrics)
 *     .build();
 * }</pre>
 *
 * <p>Runs before {@link #bindTo} are not timed, but the gauges always show the last known status. Binding
 * to several registries records into each. Thread-safe and non-blocking.
 */
public final class HealthMetrics implements HealthListener, MeterBinder {

  private static final String DURATION = "otto.health.check.duration";
  private static final String STATUS = "otto.health.check.status";

  /** The last status of each check seen: 1 up, 0 down. */
  private final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
  private final List<Meters> bound = new CopyOnWriteArrayList<>();

  /** Creates metrics that record nothing until bound to a registry. */
  public HealthMetrics() {
  }

  /**
   * Registers the meters in {@code registry}, including a status gauge for every check seen so far;
   * binding the same registry again has no effect.
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
    Meters meters = new Meters(registry);
    statuses.forEach(meters::gauge);
    bound.add(meters);
  }

  /** Times the run and updates the check's status gauge. */
  @Override
  public void onCheckCompleted(CheckResult result) {
    AtomicInteger status = statuses.get(result.name());
    if (status == null) {
      status = newStatus(result.name());
    }
    status.set(result.isUp() ? 1 : 0);
    for (Meters meters : bound) {
      meters.timer(result.name(), result.isUp()).record(result.duration());
    }
  }

  private synchronized AtomicInteger newStatus(String check) {
    AtomicInteger status = statuses.get(check);
    if (status == null) {
      status = new AtomicInteger();
      statuses.put(check, status);
      for (Meters meters : bound) {
        meters.gauge(check, status);
      }
    }
    return status;
  }

  /** The meters of one registry. */
  private static final class Meters {

    final MeterRegistry registry;
    private final Map<String, Timer[]> timers = new ConcurrentHashMap<>();

    Meters(MeterRegistry registry) {
      this.registry = registry;
    }

    void gauge(String check, AtomicInteger status) {
      Gauge.builder(STATUS, status, AtomicInteger::get)
          .description("Last result of a health check: 1 up, 0 down")
          .tag("check", check)
          .strongReference(true)
          .register(registry);
    }

    Timer timer(String check, boolean up) {
      Timer[] pair = timers.get(check);
      if (pair == null) {
        pair = timers.computeIfAbsent(check, this::register);
      }
      return pair[up ? 0 : 1];
    }

    private Timer[] register(String check) {
      return new Timer[] {timer(check, "up"), timer(check, "down")};
    }

    private Timer timer(String check, String status) {
      return Timer.builder(DURATION)
          .description("Time of one health check run, until its result or its timeout")
          .tag("check", check)
          .tag("status", status)
          .register(registry);
    }
  }
}
