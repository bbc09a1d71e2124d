package dev.otto.health.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.health.FakeClock;
import dev.otto.health.HealthCheck;
import dev.otto.health.HealthCheckException;
import dev.otto.health.ReadinessAggregator;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HealthMetricsTest {

  private final FakeClock clock = new FakeClock();
  private final AtomicBoolean databaseUp = new AtomicBoolean(true);

  private ReadinessAggregator aggregator(HealthMetrics metrics) {
    ReadinessAggregator aggregator = clock.appliedTo(ReadinessAggregator.builder())
        .cacheTtl(Duration.ZERO)
        .listener(metrics)
        .check(HealthCheck.of("database", true, timeout -> {
          clock.advance(Duration.ofMillis(7));
          if (!databaseUp.get()) {
            throw new HealthCheckException("down");
          }
          return null;
        }))
        .build();
    aggregator.markStarted();
    return aggregator;
  }

  @Test
  void timesEachRunByCheckAndStatusAndGaugesTheLastStatus() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HealthMetrics metrics = new HealthMetrics();
    metrics.bindTo(registry);
    try (ReadinessAggregator aggregator = aggregator(metrics)) {
      aggregator.readiness();
      aggregator.readiness();
      assertThat(registry.get("otto.health.check.status").tag("check", "database").gauge().value()).isEqualTo(1);

      databaseUp.set(false);
      aggregator.readiness();

      Timer up = registry.get("otto.health.check.duration").tags("check", "database", "status", "up").timer();
      Timer down = registry.get("otto.health.check.duration").tags("check", "database", "status", "down").timer();
      assertThat(up.count()).isEqualTo(2);
      assertThat(up.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(14);
      assertThat(down.count()).isEqualTo(1);
      assertThat(registry.get("otto.health.check.status").tag("check", "database").gauge().value()).isZero();
    }
  }

  @Test
  void everyMeterHasADescription() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    HealthMetrics metrics = new HealthMetrics();
    metrics.bindTo(registry);
    try (ReadinessAggregator aggregator = aggregator(metrics)) {
      aggregator.readiness();
    }

    assertThat(registry.getMeters()).isNotEmpty().allSatisfy(meter ->
        assertThat(meter.getId().getDescription()).as(meter.getId().getName()).isNotBlank());
    assertThat(registry.getMeters()).extracting(meter -> meter.getId().getName())
        .containsOnly("otto.health.check.duration", "otto.health.check.status");
  }

  @Test
  void aRegistryBoundLaterGetsTheGaugesOfChecksAlreadySeen() {
    HealthMetrics metrics = new HealthMetrics();
    try (ReadinessAggregator aggregator = aggregator(metrics)) {
      aggregator.readiness();
    }
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    metrics.bindTo(registry);
    metrics.bindTo(registry);

    assertThat(registry.get("otto.health.check.status").tag("check", "database").gauge().value()).isEqualTo(1);
    assertThat(registry.getMeters()).extracting(Meter::getId).hasSize(1);
  }
}
