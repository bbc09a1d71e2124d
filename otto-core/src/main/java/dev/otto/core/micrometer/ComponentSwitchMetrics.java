package dev.otto.core.micrometer;

import dev.otto.core.ComponentSwitch;
import dev.otto.core.ComponentSwitches;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Publishes the gauge {@value #METER_NAME}: {@code 1} while a component is enabled, {@code 0} while it is
 * disabled, tagged with {@code component} (its {@linkplain dev.otto.core.Component#id() id}), so an
 * alert can fire when a component stays switched off.
 *
 * <pre>{@code
 * new ComponentSwitchMetrics(switches).bindTo(meterRegistry);
 * }</pre>
 *
 * <p>The gauges read the switches whenever the registry is scraped; nothing is recorded on the request
 * path. Thread-safe; may be bound to several registries. This class is only loaded when Micrometer is on
 * the classpath, which is why it lives in its own package and nothing else refers to it.
 */
public final class ComponentSwitchMetrics implements MeterBinder {

  /** The name of the gauge. */
  public static final String METER_NAME = "otto.component.enabled";

  private final ComponentSwitches switches;

  /**
   * Metrics for {@code switches}.
   *
   * @throws NullPointerException if {@code switches} is null
   */
  public ComponentSwitchMetrics(ComponentSwitches switches) {
    this.switches = Objects.requireNonNull(switches, "switches must not be null");
  }

  /** Registers one gauge per component with {@code registry}. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry must not be null");
    for (ComponentSwitch componentSwitch : switches.all()) {
      Gauge.builder(METER_NAME, componentSwitch, s -> s.isEnabled() ? 1.0 : 0.0)
          .description("Whether the Otto component is enabled (1) or switched off (0)")
          .tag("component", componentSwitch.component().id())
          // The registry must keep the switch alive even if the application drops this binder.
          .strongReference(true)
          .register(registry);
    }
  }
}
