package dev.otto.spring.switches;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitch;
import dev.otto.spring.BooleanProperty;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.core.env.PropertyResolver;

/** What the endpoint shows of a switch, which components have a shadow mode and which can be switched on. */
final class SwitchStates {

  private static final Set<Component> SHADOWABLE = Set.of(Component.RATELIMIT, Component.IDEMPOTENCY);

  private SwitchStates() {}

  static boolean hasShadowMode(Component component) {
    return SHADOWABLE.contains(component);
  }

  /**
   * Whether the component was enabled at start, so that it has beans a switch can turn on; one that was
   * not stays off whatever the endpoint or a flag asks.
   */
  static boolean availableAtStart(PropertyResolver properties, Component component) {
    return BooleanProperty.read(properties, "otto." + component.id() + ".enabled", true);
  }

  static Map<String, Object> describe(ComponentSwitch component, boolean available) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("enabled", component.isEnabled());
    state.put("available", available);
    if (hasShadowMode(component.component())) {
      state.put("mode", component.mode().id());
    }
    return state;
  }
}
