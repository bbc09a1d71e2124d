package dev.otto.spring.ratelimit;

import dev.otto.ratelimit.servlet.RateLimitRule;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when there is something to enforce: a policy in the properties or a {@link RateLimitRule} bean. */
final class OnRateLimitRules extends AnyNestedCondition {

  OnRateLimitRules() {
    super(ConfigurationPhase.REGISTER_BEAN);
  }

  @ConditionalOnBean(RateLimitRule.class)
  static final class RuleBeans {}

  @Conditional(PoliciesConfigured.class)
  static final class Policies {}

  static final class PoliciesConfigured extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      Map<String, Object> policies =
          Binder.get(context.getEnvironment())
              .bind("otto.ratelimit.policies", Bindable.mapOf(String.class, Object.class))
              .orElse(Map.of());
      return policies.isEmpty()
          ? ConditionOutcome.noMatch("no otto.ratelimit.policies configured")
          : ConditionOutcome.match("otto.ratelimit.policies " + policies.keySet());
    }
  }
}
