package dev.otto.spring.switches;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitch;
import dev.otto.core.ComponentSwitches;
import dev.otto.core.Mode;
import dev.otto.core.micrometer.ComponentSwitchMetrics;
import dev.otto.spring.BooleanProperty;
import dev.otto.spring.ConditionalOnBoolean;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The {@link ComponentSwitches} every Otto filter reads on each request. Their start state comes from
 * {@code otto.<component>.enabled} and, for rate limiting and idempotency, {@code otto.<component>.mode}; a
 * component disabled at start has no beans at all, so its switch stays off.
 */
@AutoConfiguration
@ConditionalOnClass(ComponentSwitches.class)
@EnableConfigurationProperties(OttoSwitchesProperties.class)
public final class OttoSwitchesAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  ComponentSwitches ottoComponentSwitches(Environment environment) {
    ComponentSwitches switches = ComponentSwitches.create();
    for (ComponentSwitch component : switches.all()) {
      String prefix = "otto." + component.component().id();
      component.setEnabled(BooleanProperty.read(environment, prefix + ".enabled", true));
      String mode = environment.getProperty(prefix + ".mode");
      if (mode != null) {
        component.setMode(mode(prefix + ".mode", mode, component.component()));
      }
    }
    return switches;
  }

  static Mode mode(String property, String value, Component component) {
    Mode mode =
        Mode.byId(value.trim().toLowerCase(java.util.Locale.ROOT))
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        property + " is '" + value + "': use enforce or shadow"));
    if (mode == Mode.SHADOW && !SwitchStates.hasShadowMode(component)) {
      throw new IllegalArgumentException(
          property + " is shadow, but " + component.id() + " has no shadow mode;"
              + " only ratelimit and idempotency do");
    }
    return mode;
  }

  /** The Actuator endpoint, when Actuator is present and the endpoint is available. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
  static final class Actuator {

    @Bean
    @ConditionalOnMissingBean
    @org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint
    OttoEndpoint ottoEndpoint(
        ComponentSwitches switches,
        Environment environment,
        org.springframework.beans.factory.ObjectProvider<dev.otto.ratelimit.RateLimiter> rateLimiter) {
      return new OttoEndpoint(switches, environment, rateLimiter);
    }
  }

  /**
   * OpenFeature flags steer the switches when the SDK is present and otto.switches.open-feature.enabled;
   * the flags are read through the application's Client bean, or OpenFeature's global API without one.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "dev.openfeature.sdk.OpenFeatureAPI")
  @ConditionalOnBoolean(name = "otto.switches.open-feature.enabled")
  static final class OpenFeature {

    @Bean
    @ConditionalOnMissingBean
    OpenFeatureSwitches ottoOpenFeatureSwitches(
        ComponentSwitches switches,
        OttoSwitchesProperties properties,
        Environment environment,
        org.springframework.beans.factory.ObjectProvider<dev.openfeature.sdk.Client> client) {
      return new OpenFeatureSwitches(
          client.getIfAvailable(() -> dev.openfeature.sdk.OpenFeatureAPI.getInstance().getClient()),
          switches,
          environment,
          properties.getOpenFeature().getPollInterval());
    }
  }

  /** The otto.component.enabled gauge when Micrometer is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  static final class Metrics {

    @Bean
    @ConditionalOnMissingBean
    ComponentSwitchMetrics ottoComponentSwitchMetrics(ComponentSwitches switches) {
      return new ComponentSwitchMetrics(switches);
    }
  }
}
