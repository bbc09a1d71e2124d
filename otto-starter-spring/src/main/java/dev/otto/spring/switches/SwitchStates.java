package dev.otto.spring.switches;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitch;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** What the endpoint shows of a switch, and which components have a shadow mode. */
final class SwitchStates {

  private static final Set<Component> SHADOWABLE = Set.of(Component.RATELIMIT, Component.IDEMPOTENCY);

  private SwitchStates() {}

  static boolean hasShadowMode(Component component) {
    return SHADOWABLE.contains(component);
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
