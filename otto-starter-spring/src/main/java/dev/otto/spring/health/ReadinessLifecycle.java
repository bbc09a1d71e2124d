package dev.otto.spring.health;

import dev.otto.health.ReadinessAggregator;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Follows Spring Boot's readiness state: ready once the application accepts traffic, not ready as soon
 * as it refuses traffic or its context starts closing, so a load balancer drains the instance before the
 * web server stops.
 */
final class ReadinessLifecycle implements ApplicationListener<ApplicationEvent> {

  private final ReadinessAggregator aggregator;

  ReadinessLifecycle(ReadinessAggregator aggregator) {
    this.aggregator = aggregator;
  }

  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (event instanceof AvailabilityChangeEvent<?> change
        && change.getState() instanceof ReadinessState state) {
      if (state == ReadinessState.ACCEPTING_TRAFFIC) {
        aggregator.markStarted();
      } else {
        aggregator.markShuttingDown();
      }
    } else if (event instanceof ContextClosedEvent) {
      aggregator.markShuttingDown();
    }
  }
}
