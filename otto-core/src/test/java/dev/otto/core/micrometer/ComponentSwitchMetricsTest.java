package dev.otto.core.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitches;
import dev.otto.core.Mode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ComponentSwitchMetricsTest {

  private final ComponentSwitches switches = ComponentSwitches.create();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void publishesOneGaugePerComponentWithADescription() {
    new ComponentSwitchMetrics(switches).bindTo(registry);

    assertThat(registry.get("otto.component.enabled").gauges()).hasSize(Component.values().length);
    for (Component component : Component.values()) {
      Gauge gauge = registry.get(ComponentSwitchMetrics.METER_NAME).tag("component", component.id()).gauge();
      assertThat(gauge.value()).isEqualTo(1.0);
      assertThat(gauge.getId().getDescription()).isNotBlank();
      assertThat(gauge.getId().getTags()).hasSize(1);
    }
  }

  @Test
  void readsZeroWhileAComponentIsSwitchedOffAndOneAgainAfterwards() {
    new ComponentSwitchMetrics(switches).bindTo(registry);
    Gauge rateLimit = registry.get(ComponentSwitchMetrics.METER_NAME).tag("component", "ratelimit").gauge();

    switches.get(Component.RATELIMIT).setEnabled(false);
    assertThat(rateLimit.value()).isEqualTo(0.0);
    assertThat(registry.get(ComponentSwitchMetrics.METER_NAME).tag("component", "trace").gauge().value())
        .isEqualTo(1.0);

    switches.get(Component.RATELIMIT).setEnabled(true);
    assertThat(rateLimit.value()).isEqualTo(1.0);
  }

  @Test
  void countsAShadowingComponentAsEnabled() {
    new ComponentSwitchMetrics(switches).bindTo(registry);

    switches.get(Component.IDEMPOTENCY).setMode(Mode.SHADOW);

    assertThat(registry.get(ComponentSwitchMetrics.METER_NAME).tag("component", "idempotency").gauge()
        .value()).isEqualTo(1.0);
  }

  @Test
  void canBeBoundToSeveralRegistries() {
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    ComponentSwitchMetrics metrics = new ComponentSwitchMetrics(switches);
    metrics.bindTo(registry);
    metrics.bindTo(second);

    switches.get(Component.TRACE).setEnabled(false);

    assertThat(second.get(ComponentSwitchMetrics.METER_NAME).tag("component", "trace").gauge().value())
        .isEqualTo(0.0);
  }
}
