package dev.otto.spring.health;

import dev.otto.health.ReadinessAggregator;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Follows Spring Boot's readiness state: ready once the application accepts traffic, not ready as soon
 * as it refuses traffic or its context starts closing, so a load balancer drains the instance before the
 * web server stops.
 *
 * <p>Spring hands a child context's events to its parent's listeners too; those are ignored, so that
 * closing a child (a separate management server, a client's own context) does not take the application
 * out of service until it restarts.
 */
final class ReadinessLifecycle implements ApplicationListener<ApplicationEvent>, ApplicationContextAware {

  private final ReadinessAggregator aggregator;
  private @Nullable ApplicationContext context;

  ReadinessLifecycle(ReadinessAggregator aggregator) {
    this.aggregator = aggregator;
  }

  @Override
  public void setApplicationContext(ApplicationContext context) {
    this.context = context;
  }

  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (fromChildContext(event)) {
      return;
    }
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

  // Spring propagates events up the hierarchy only, so a context whose parents include this one is a
  // child's. Anything else counts: the application's own context, or a readiness change an application
  // publishes with a source of its own (a bean, an exception).
  private boolean fromChildContext(ApplicationEvent event) {
    if (!(event.getSource() instanceof ApplicationContext source) || source == context) {
      return false;
    }
    for (ApplicationContext parent = source.getParent(); parent != null; parent = parent.getParent()) {
      if (parent == context) {
        return true;
      }
    }
    return false;
  }
}
