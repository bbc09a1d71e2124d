package dev.otto.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Conditional;

/**
 * Matches when a filter has something to do: at least one entry under the property map {@link #prefix()}
 * (such as {@code otto.ratelimit.policies}) or at least one bean of type {@link #beanType()}. Otto's
 * filters refuse to be built without a rule, so their registrations carry this condition.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnRulesCondition.class)
public @interface ConditionalOnRules {

  /** The property map whose entries are rules, for example {@code otto.idempotency.routes}. */
  String prefix();

  /** The rule type that the application may also declare as beans. */
  Class<?> beanType();
}
