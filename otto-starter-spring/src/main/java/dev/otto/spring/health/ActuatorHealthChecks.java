package dev.otto.spring.health;

import dev.otto.health.HealthCheck;
import dev.otto.health.HealthCheckException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The Actuator health indicators named in {@code otto.health.actuator-indicators}, as critical readiness
 * checks, so teams already on Actuator keep their indicators and gain Otto's timeouts and caching.
 */
final class ActuatorHealthChecks {

  private static final String SUFFIX = "HealthIndicator";

  private final List<String> names;
  private final ListableBeanFactory beans;

  ActuatorHealthChecks(List<String> names, ListableBeanFactory beans) {
    this.names = List.copyOf(names);
    this.beans = beans;
  }

  List<HealthCheck> checks() {
    Map<String, HealthIndicator> indicators = beans.getBeansOfType(HealthIndicator.class);
    List<HealthCheck> checks = new ArrayList<>();
    for (String name : names) {
      if (name.equals("otto")) {
        throw new IllegalArgumentException(
            "otto.health.actuator-indicators must not include 'otto': that indicator reports Otto's own"
                + " readiness, so running it as a check would ask readiness about itself");
      }
      HealthIndicator indicator = indicators.getOrDefault(name + SUFFIX, indicators.get(name));
      if (indicator == null) {
        throw new IllegalArgumentException(
            "otto.health.actuator-indicators names '" + name + "', but there is no HealthIndicator bean '"
                + name + SUFFIX + "' or '" + name + "'; known: " + indicators.keySet());
      }
      checks.add(HealthCheck.of(name, true, timeout -> details(name, indicator.health())));
    }
    return checks;
  }

  private static Map<String, Object> details(String name, Health health) {
    if (!Status.UP.equals(health.getStatus())) {
      throw new HealthCheckException(
          "Actuator indicator " + name + " reports " + health.getStatus().getCode());
    }
    return health.getDetails();
  }
}
