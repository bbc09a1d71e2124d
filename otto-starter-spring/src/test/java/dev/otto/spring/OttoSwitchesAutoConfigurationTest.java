package dev.otto.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openfeature.sdk.EvaluationContext;
import dev.openfeature.sdk.Hook;
import dev.openfeature.sdk.HookContext;
import dev.openfeature.sdk.OpenFeatureAPI;
import dev.openfeature.sdk.providers.memory.Flag;
import dev.openfeature.sdk.providers.memory.InMemoryProvider;
import dev.otto.core.Component;
import dev.otto.core.ComponentSwitch;
import dev.otto.core.ComponentSwitches;
import dev.otto.core.Mode;
import dev.otto.core.micrometer.ComponentSwitchMetrics;
import dev.otto.problem.ProblemException;
import dev.otto.spring.switches.OttoEndpoint;
import dev.otto.spring.switches.OttoSwitchesAutoConfiguration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class OttoSwitchesAutoConfigurationTest {

  private final WebApplicationContextRunner web =
      new WebApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(OttoSwitchesAutoConfiguration.class))
          .withPropertyValues("management.endpoints.web.exposure.include=otto");

  @Test
  void everyComponentStartsEnabledAndEnforcing() {
    web.run(
        context -> {
          ComponentSwitches switches = context.getBean(ComponentSwitches.class);
          assertThat(switches.all()).allSatisfy(component -> {
            assertThat(component.isEnabled()).isTrue();
            assertThat(component.mode()).isEqualTo(Mode.ENFORCE);
          });
          assertThat(context).hasSingleBean(ComponentSwitchMetrics.class);
        });
  }

  @Test
  void theStartStateComesFromTheProperties() {
    web.withPropertyValues("otto.trace.enabled=false", "otto.ratelimit.mode=shadow")
        .run(
            context -> {
              ComponentSwitches switches = context.getBean(ComponentSwitches.class);
              assertThat(switches.get(Component.TRACE).isEnabled()).isFalse();
              assertThat(switches.get(Component.RATELIMIT).isShadow()).isTrue();
            });
  }

  @Test
  void aShadowModeForAComponentWithoutOneFailsStartup() {
    web.withPropertyValues("otto.trace.mode=shadow")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("otto.trace.mode")
                    .hasMessageContaining("only ratelimit and idempotency"));
  }

  @Test
  void theEndpointListsAndSwitchesComponents() {
    web.run(
        context -> {
          OttoEndpoint endpoint = context.getBean(OttoEndpoint.class);
          ComponentSwitches switches = context.getBean(ComponentSwitches.class);

          @SuppressWarnings("unchecked")
          Map<String, Map<String, Object>> components =
              (Map<String, Map<String, Object>>) endpoint.components().get("components");
          assertThat(components).containsOnlyKeys("ratelimit", "idempotency", "problem", "trace", "health");
          assertThat(components.get("ratelimit")).containsEntry("enabled", true).containsEntry("mode", "enforce");

          endpoint.change("ratelimit", "false", null, SecurityContext.NONE);
          assertThat(switches.get(Component.RATELIMIT).isEnabled()).isFalse();
          endpoint.change("idempotency", null, "shadow", SecurityContext.NONE);
          assertThat(switches.get(Component.IDEMPOTENCY).isShadow()).isTrue();
          endpoint.change("ratelimit", "true", "enforce", SecurityContext.NONE);
          assertThat(switches.get(Component.RATELIMIT).isEnabled()).isTrue();
        });
  }

  @Test
  void theEndpointAnswersProblemsForUnknownOrUnswitchableComponentsAndBadBodies() {
    web.withPropertyValues("otto.health.enabled=false")
        .run(
            context -> {
              OttoEndpoint endpoint = context.getBean(OttoEndpoint.class);

              assertThatThrownBy(() -> endpoint.change("nosuch", "true", null, SecurityContext.NONE))
                  .isInstanceOfSatisfying(ProblemException.class,
                      e -> assertThat(e.problem().status()).isEqualTo(404));
              assertThatThrownBy(() -> endpoint.change("health", "true", null, SecurityContext.NONE))
                  .isInstanceOfSatisfying(ProblemException.class,
                      e -> assertThat(e.problem().status()).isEqualTo(409));
              assertThatThrownBy(() -> endpoint.change("trace", null, "shadow", SecurityContext.NONE))
                  .isInstanceOfSatisfying(ProblemException.class,
                      e -> assertThat(e.problem().status()).isEqualTo(400));
              assertThatThrownBy(() -> endpoint.change("trace", null, null, SecurityContext.NONE))
                  .isInstanceOfSatisfying(ProblemException.class,
                      e -> assertThat(e.problem().status()).isEqualTo(400));
            });
  }

  @Test
  void theEndpointTakesExactlyTrueOrFalseForEnabled() {
    web.run(
        context -> {
          OttoEndpoint endpoint = context.getBean(OttoEndpoint.class);

          for (String notABoolean : List.of("0", "1", "yes", "off", "TRUE", "1.5", "")) {
            assertThatThrownBy(() -> endpoint.change("ratelimit", notABoolean, null, SecurityContext.NONE))
                .as("enabled '%s'", notABoolean)
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                  assertThat(e.problem().status()).isEqualTo(400);
                  assertThat(e.problem().detail()).isEqualTo("\"enabled\" must be true or false.");
                });
          }
          ComponentSwitch rateLimiting = context.getBean(ComponentSwitches.class).get(Component.RATELIMIT);
          assertThat(rateLimiting.isEnabled()).isTrue();

          endpoint.change("ratelimit", "false", null, SecurityContext.NONE);
          assertThat(rateLimiting.isEnabled()).isFalse();
        });
  }

  @Test
  void theEndpointSwitchesEnabledAndModeTogetherInOneChange() {
    web.run(
        context -> {
          OttoEndpoint endpoint = context.getBean(OttoEndpoint.class);
          ComponentSwitches switches = context.getBean(ComponentSwitches.class);
          endpoint.change("ratelimit", "false", null, SecurityContext.NONE);
          List<String> seen = new ArrayList<>();
          switches.addListener(changed -> seen.add(changed.isEnabled() + " " + changed.mode().id()));

          endpoint.change("ratelimit", "true", "shadow", SecurityContext.NONE);
          endpoint.change("ratelimit", "false", "enforce", SecurityContext.NONE);

          // Never enabled and enforcing on the way: a request in between would have been rejected.
          assertThat(seen).containsExactly("true shadow", "false enforce");
        });
  }

  @Test
  void theEndpointIsOnlyThereWhenExposed() {
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(OttoSwitchesAutoConfiguration.class))
        .run(context -> assertThat(context).doesNotHaveBean(OttoEndpoint.class));
  }

  @Test
  void openFeatureFlagsSteerTheSwitchesWhenEnabled() {
    web.withUserConfiguration(Flags.class)
        .withPropertyValues("otto.switches.open-feature.enabled=true")
        .run(
            context -> {
              ComponentSwitches switches = context.getBean(ComponentSwitches.class);
              assertThat(switches.get(Component.RATELIMIT).isEnabled()).isFalse();
              assertThat(switches.get(Component.IDEMPOTENCY).isShadow()).isTrue();
              assertThat(switches.get(Component.TRACE).isEnabled()).isTrue();
            });
  }

  @Test
  void aPollIntervalBelowOneMillisecondFailsStartupNamingIt() {
    for (String interval : List.of("0", "500us", "-1s")) {
      web.withUserConfiguration(Flags.class)
          .withPropertyValues(
              "otto.switches.open-feature.enabled=true", "otto.switches.open-feature.poll-interval=" + interval)
          .run(
              context ->
                  assertThat(context.getStartupFailure())
                      .as(interval)
                      .rootCause()
                      .hasMessageContaining("otto.switches.open-feature.poll-interval")
                      .hasMessageContaining("at least 1ms"));
    }
  }

  @Test
  void aFlagDoesNotSwitchOnAComponentDisabledAtStart() {
    web.withUserConfiguration(Flags.class)
        .withPropertyValues("otto.switches.open-feature.enabled=true", "otto.trace.enabled=false")
        .run(
            context -> {
              assertThat(context.getBean(ComponentSwitches.class).get(Component.TRACE).isEnabled())
                  .as("otto.trace.enabled=false at start, flag otto.trace.enabled=true")
                  .isFalse();
            });
  }

  @Test
  void aFlagTheProviderDoesNotKnowLeavesAChangeMadeDuringThePollAlone() {
    web.withUserConfiguration(ModeFlagOnly.class)
        .withPropertyValues("otto.switches.open-feature.enabled=true")
        .run(
            context -> {
              ComponentSwitch rateLimiting = context.getBean(ComponentSwitches.class).get(Component.RATELIMIT);
              assertThat(rateLimiting.isEnabled()).as("switched off by the operator during the poll").isFalse();
              assertThat(rateLimiting.isShadow()).as("the mode flag").isTrue();
            });
  }

  /**
   * Knows only otto.ratelimit.mode; while otto.ratelimit.enabled is being evaluated, an operator switches
   * rate limiting off through the endpoint.
   */
  @Configuration(proxyBeanMethods = false)
  static class ModeFlagOnly {
    @Bean
    dev.openfeature.sdk.Client flagClient(ObjectProvider<ComponentSwitches> switches) {
      OpenFeatureAPI api = OpenFeatureAPI.getInstance();
      String domain = "otto-test-" + System.identityHashCode(this);
      api.setProviderAndWait(domain, new InMemoryProvider(Map.of("otto.ratelimit.mode", Flags.flag("shadow"))));
      dev.openfeature.sdk.Client client = api.getClient(domain);
      client.addHooks(
          new Hook<Object>() {
            @Override
            public Optional<EvaluationContext> before(HookContext<Object> flag, Map<String, Object> hints) {
              if (flag.getFlagKey().equals("otto.ratelimit.enabled")) {
                switches.getObject().get(Component.RATELIMIT).setEnabled(false);
              }
              return Optional.empty();
            }
          });
      return client;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Flags {
    @Bean
    dev.openfeature.sdk.Client flagClient() {
      OpenFeatureAPI api = OpenFeatureAPI.getInstance();
      String domain = "otto-test-" + System.identityHashCode(this);
      api.setProviderAndWait(
          domain,
          new InMemoryProvider(
              Map.of(
                  "otto.ratelimit.enabled", flag(false),
                  "otto.idempotency.mode", flag("shadow"),
                  "otto.trace.enabled", flag(true))));
      return api.getClient(domain);
    }

    static <T> Flag<T> flag(T value) {
      return Flag.<T>builder().variant("on", value).defaultVariant("on").build();
    }
  }
}
