package dev.otto.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Conditional;

/**
 * Matches when the boolean property {@link #name()} is {@link #havingValue()}, or is not set and
 * {@link #matchIfMissing()}. Read by {@link BooleanProperty}: any value but {@code true} or {@code false}
 * fails start-up naming the property, where Spring Boot's {@code @ConditionalOnBooleanProperty} would
 * quietly match neither.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Conditional(OnBooleanCondition.class)
public @interface ConditionalOnBoolean {

  /** The property, for example {@code otto.ratelimit.enabled}. */
  String name();

  /** The value that matches. */
  boolean havingValue() default true;

  /** Whether an unset property matches. */
  boolean matchIfMissing() default false;
}
