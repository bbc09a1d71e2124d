package dev.otto.spring.health;

import dev.otto.health.CheckResult;
import dev.otto.health.Readiness;
import dev.otto.health.ReadinessAggregator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Otto's readiness as the Actuator indicator {@code otto}: {@code UP} when ready, {@code OUT_OF_SERVICE}
 * otherwise, with the components as details. Add it to Actuator's readiness group with
 * {@code management.endpoint.health.group.readiness.include=readinessState,otto}.
 */
final class OttoReadinessHealthIndicator implements HealthIndicator {

  static final String NAME = "ottoHealthIndicator";

  private final ReadinessAggregator aggregator;

  OttoReadinessHealthIndicator(ReadinessAggregator aggregator) {
    this.aggregator = aggregator;
  }

  @Override
  public Health health() {
    Readiness readiness = aggregator.readiness();
    Health.Builder health = readiness.ready() ? Health.up() : Health.outOfService();
    health.withDetail("degraded", readiness.degraded());
    Map<String, Object> components = new LinkedHashMap<>();
    for (CheckResult result : readiness.components().values()) {
      Map<String, Object> component = new LinkedHashMap<>();
      component.put("status", result.status().name());
      component.put("critical", result.critical());
      if (result.error() != null) {
        component.put("error", result.error());
      }
      components.put(result.name(), component);
    }
    return health.withDetail("components", components).build();
  }
}
