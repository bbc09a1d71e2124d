package dev.otto.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitches;
import dev.otto.problem.servlet.ProblemResponseWriter;
import dev.otto.ratelimit.RateLimiter;
import dev.otto.spring.health.OttoHealthAutoConfiguration;
import dev.otto.spring.idempotency.OttoIdempotencyAutoConfiguration;
import dev.otto.spring.problem.OttoProblemAutoConfiguration;
import dev.otto.spring.problem.OttoProblemDisabledAutoConfiguration;
import dev.otto.spring.ratelimit.OttoRateLimitAutoConfiguration;
import dev.otto.spring.switches.OttoSwitchesAutoConfiguration;
import dev.otto.spring.trace.OttoTraceAutoConfiguration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * {@code otto.<component>.enabled} decides both whether the component's beans exist and where its switch
 * starts, so both must read the value the same way: only {@code true} or {@code false}.
 */
class OttoEnabledPropertiesTest {

  private final WebApplicationContextRunner web =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  OttoSwitchesAutoConfiguration.class,
                  OttoTraceAutoConfiguration.class,
                  OttoProblemAutoConfiguration.class,
                  OttoProblemDisabledAutoConfiguration.class,
                  OttoRateLimitAutoConfiguration.class,
                  OttoIdempotencyAutoConfiguration.class,
                  OttoHealthAutoConfiguration.class));

  @Test
  void anEnabledValueOtherThanTrueOrFalseFailsStartupNamingPropertyAndValue() {
    for (Component component : Component.values()) {
      String property = "otto." + component.id() + ".enabled";
      for (String value : List.of("on", "yes", "1", "off", "no", "0")) {
        web.withPropertyValues(property + "=" + value)
            .run(
                context ->
                    assertThat(context.getStartupFailure())
                        .as("%s=%s", property, value)
                        .isNotNull()
                        .rootCause()
                        .hasMessageContaining(property)
                        .hasMessageContaining("'" + value + "'")
                        .hasMessageContaining("true or false"));
      }
    }
  }

  @Test
  void trueAndFalseInAnyCaseDecideTheBeansAndTheSwitchAlike() {
    web.withPropertyValues("otto.ratelimit.enabled=FALSE", "otto.problem.enabled=True")
        .run(
            context -> {
              ComponentSwitches switches = context.getBean(ComponentSwitches.class);
              assertThat(context).doesNotHaveBean(RateLimiter.class);
              assertThat(switches.get(Component.RATELIMIT).isEnabled()).isFalse();
              assertThat(context).hasSingleBean(ProblemResponseWriter.class);
              assertThat(switches.get(Component.PROBLEM).isEnabled()).isTrue();
            });
  }
}
