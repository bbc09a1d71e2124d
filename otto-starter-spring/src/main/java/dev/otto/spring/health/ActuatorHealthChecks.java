package dev.otto.spring.health;

import dev.otto.health.HealthCheck;
import dev.otto.health.HealthCheckException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorNameGenerator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthContributors;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The Actuator health contributors named in {@code otto.health.actuator-indicators}, as critical readiness
 * checks, so teams already on Actuator keep their indicators and gain Otto's timeouts and caching.
 *
 * <p>Names are the ones Actuator shows under {@code /actuator/health}: the bean name as the application's
 * {@link HealthContributorNameGenerator} (by default without the {@code HealthIndicator} or
 * {@code HealthContributor} suffix) makes it, so {@code db} is Boot's {@code dbHealthContributor}. A
 * composite (such as {@code db} with several DataSources) is up when every member is. Beans are looked up
 * directly rather than through Actuator's registry: the registry holds Otto's own indicator, which needs
 * the readiness these checks are built for.
 */
final class ActuatorHealthChecks {

  private final List<String> names;
  private final ListableBeanFactory beans;
  private final HealthContributorNameGenerator naming;

  ActuatorHealthChecks(List<String> names, ListableBeanFactory beans, HealthContributorNameGenerator naming) {
    this.names = List.copyOf(names);
    this.beans = beans;
    this.naming = naming;
  }

  List<HealthCheck> checks() {
    Map<String, HealthContributor> contributors = new LinkedHashMap<>();
    beans.getBeansOfType(HealthContributor.class)
        .forEach((bean, contributor) -> contributors.putIfAbsent(naming.generateContributorName(bean), contributor));
    List<HealthCheck> checks = new ArrayList<>();
    for (String name : names) {
      if (name.equals("otto")) {
        throw new IllegalArgumentException(
            "otto.health.actuator-indicators must not include 'otto': that indicator reports Otto's own"
                + " readiness, so running it as a check would ask readiness about itself");
      }
      HealthContributor contributor = contributors.get(name);
      if (contributor == null) {
        throw new IllegalArgumentException(
            "otto.health.actuator-indicators names '" + name + "', but Actuator has no health contributor of"
                + " that name; known: " + contributors.keySet());
      }
      if (!(contributor instanceof HealthIndicator) && !(contributor instanceof CompositeHealthContributor)) {
        throw new IllegalArgumentException(
            "otto.health.actuator-indicators names '" + name + "', a " + contributor.getClass().getName()
                + ", which is neither a HealthIndicator nor a CompositeHealthContributor; remove it");
      }
      checks.add(HealthCheck.of(name, true, timeout -> run(name, contributor)));
    }
    return checks;
  }

  private static Map<String, Object> run(String name, HealthContributor contributor) {
    if (contributor instanceof HealthIndicator indicator) {
      Health health = indicator.health();
      if (!Status.UP.equals(health.getStatus())) {
        throw new HealthCheckException(
            "Actuator indicator " + name + " reports " + health.getStatus().getCode());
      }
      return health.getDetails();
    }
    if (contributor instanceof HealthContributors members) {
      Map<String, Object> details = new LinkedHashMap<>();
      for (HealthContributors.Entry member : members) {
        details.put(member.name(), run(name + "/" + member.name(), member.contributor()));
      }
      return details;
    }
    throw new HealthCheckException("Actuator contributor " + name + " is not an indicator Otto can run");
  }
}
