package dev.otto.spring.switches;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitch;
import dev.otto.core.ComponentSwitches;
import dev.otto.core.Mode;
import dev.otto.problem.Problem;
import dev.otto.problem.ProblemException;
import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.fallback.FallbackRateLimiter;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.core.env.Environment;

/**
 * The Actuator endpoint {@code otto}: {@code GET /actuator/otto} lists every component with its state
 * and mode; {@code POST /actuator/otto/{component}} with {@code {"enabled": bool}} and/or
 * {@code {"mode": "enforce"|"shadow"}} switches it from the next request on. Every change is logged as an
 * audit line naming the principal. Exposure and security follow Actuator's rules: it is not reachable
 * over HTTP unless {@code management.endpoints.web.exposure.include} names {@code otto}.
 */
@Endpoint(id = "otto")
public class OttoEndpoint {

  private static final Logger audit = LoggerFactory.getLogger("dev.otto.audit");

  private final ComponentSwitches switches;
  private final Environment environment;
  private final ObjectProvider<RateLimiter> rateLimiter;

  OttoEndpoint(
      ComponentSwitches switches, Environment environment, ObjectProvider<RateLimiter> rateLimiter) {
    this.switches = switches;
    this.environment = environment;
    this.rateLimiter = rateLimiter;
  }

  /** Every component's switch. */
  @ReadOperation
  public Map<String, Object> components() {
    Map<String, Object> components = new LinkedHashMap<>();
    for (ComponentSwitch component : switches.all()) {
      components.put(component.component().id(), describe(component));
    }
    return Map.of("components", components);
  }

  /**
   * Switches one component on or off, or between enforce and shadow, effective from the next request.
   *
   * <p>{@code enabled} is read as exactly {@code true} or {@code false}: Actuator hands the body's values
   * over as text, which Spring's conversion would also read as a boolean from {@code 0}, {@code "yes"} or
   * {@code "off"}, and a switch an operator flips during an incident must not guess what a mistyped body
   * meant.
   *
   * @param enabled {@code true} or {@code false}, or null to leave it
   * @param mode {@code enforce} or {@code shadow}, or null to leave it
   * @throws ProblemException 404 for an unknown component, 409 for one disabled at start (it has no beans
   *     to switch on), 400 for a body without {@code enabled} or {@code mode}, with an {@code enabled} other
   *     than {@code true} or {@code false}, or with a mode the component lacks
   */
  @WriteOperation
  public Map<String, Object> change(
      @Selector String component,
      @Nullable String enabled,
      @Nullable String mode,
      SecurityContext security) {
    ComponentSwitch target =
        switches
            .find(component)
            .orElseThrow(
                () ->
                    new ProblemException(
                        Problem.builder(404)
                            .detail("There is no Otto component of that name. Components: "
                                + switches.all().stream()
                                    .map(known -> known.component().id())
                                    .collect(Collectors.joining(", ")))
                            .build()));
    if (enabled == null && mode == null) {
      throw new ProblemException(
          Problem.builder(400).detail("Send {\"enabled\": true|false} and/or {\"mode\": \"enforce\"|\"shadow\"}.").build());
    }
    if (enabled != null && !enabled.equals("true") && !enabled.equals("false")) {
      throw new ProblemException(Problem.builder(400).detail("\"enabled\" must be true or false.").build());
    }
    if (!availableAtStart(target.component())) {
      throw new ProblemException(
          Problem.builder(409)
              .detail("This component was disabled at start, so it has nothing to switch on; restart with otto."
                  + target.component().id() + ".enabled=true.")
              .build());
    }
    Mode newMode = mode == null ? null : parseMode(target.component(), mode);
    // Both in one step when both are sent: enabling in shadow mode must not enforce in between.
    if (enabled != null && newMode != null) {
      target.set(enabled.equals("true"), newMode);
    } else if (enabled != null) {
      target.setEnabled(enabled.equals("true"));
    } else if (newMode != null) {
      target.setMode(newMode);
    }
    Principal principal = security.getPrincipal();
    audit.info(
        "Otto component {} switched to enabled={} mode={} by {}",
        target.component().id(),
        target.isEnabled(),
        target.mode().id(),
        principal == null ? "an anonymous caller" : principal.getName());
    return describe(target);
  }

  private Map<String, Object> describe(ComponentSwitch component) {
    Map<String, Object> state =
        new LinkedHashMap<>(SwitchStates.describe(component, availableAtStart(component.component())));
    if (component.component() == Component.RATELIMIT) {
      RateLimiter limiter = rateLimiter.getIfUnique();
      if (limiter instanceof FallbackRateLimiter fallback) {
        state.put("backend", fallback.isDegraded() ? "local" : "redis");
        state.put("degraded", fallback.isDegraded());
      } else if (limiter instanceof RedisRateLimiter) {
        state.put("backend", "redis");
      } else if (limiter != null) {
        state.put("backend", "local");
      }
    }
    return state;
  }

  private boolean availableAtStart(Component component) {
    return SwitchStates.availableAtStart(environment, component);
  }

  private static Mode parseMode(Component component, String mode) {
    try {
      return OttoSwitchesAutoConfiguration.mode("mode", mode.toLowerCase(Locale.ROOT), component);
    } catch (IllegalArgumentException e) {
      throw new ProblemException(Problem.builder(400).detail(e.getMessage()).build(), e);
    }
  }
}
