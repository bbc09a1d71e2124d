package dev.otto.spring;

import java.util.Map;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** The condition behind {@link ConditionalOnRules}. */
final class OnRulesCondition extends SpringBootCondition {

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    Map<String, Object> attributes =
        metadata.getAnnotationAttributes(ConditionalOnRules.class.getName());
    String prefix = (String) attributes.get("prefix");
    Class<?> beanType = (Class<?>) attributes.get("beanType");
    Map<String, Object> configured =
        Binder.get(context.getEnvironment())
            .bind(prefix, Bindable.mapOf(String.class, Object.class))
            .orElse(Map.of());
    if (!configured.isEmpty()) {
      return ConditionOutcome.match(prefix + " " + configured.keySet());
    }
    ConfigurableListableBeanFactory beans = context.getBeanFactory();
    if (beans != null && beans.getBeanNamesForType(beanType, true, false).length > 0) {
      return ConditionOutcome.match(beanType.getSimpleName() + " beans");
    }
    return ConditionOutcome.noMatch(
        "no " + prefix + " configured and no " + beanType.getSimpleName() + " bean");
  }
}
