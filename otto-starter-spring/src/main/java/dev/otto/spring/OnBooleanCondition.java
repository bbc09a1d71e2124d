package dev.otto.spring;

import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** The condition behind {@link ConditionalOnBoolean}. */
final class OnBooleanCondition extends SpringBootCondition {

  @Override
  public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
    Map<String, Object> attributes =
        metadata.getAnnotationAttributes(ConditionalOnBoolean.class.getName());
    String name = (String) attributes.get("name");
    boolean havingValue = (boolean) attributes.get("havingValue");
    boolean matchIfMissing = (boolean) attributes.get("matchIfMissing");
    boolean set = context.getEnvironment().containsProperty(name);
    boolean value = BooleanProperty.read(context.getEnvironment(), name, havingValue == matchIfMissing);
    String found = set ? name + "=" + value : name + " not set";
    return value == havingValue ? ConditionOutcome.match(found) : ConditionOutcome.noMatch(found);
  }
}
