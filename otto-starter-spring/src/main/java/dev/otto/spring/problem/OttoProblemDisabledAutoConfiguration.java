package dev.otto.spring.problem;

import dev.otto.problem.ProblemException;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import dev.otto.spring.ConditionalOnBoolean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.ControllerAdvice;

/**
 * With {@code otto.problem.enabled=false}, keeps the status of an application's {@link ProblemException}:
 * Spring MVC would otherwise answer it, an exception it does not know, with 500. Errors are then written in
 * Spring Boot's own format, not as problems. (Switched off at run time instead, Otto's exception handler
 * does the same.)
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({ProblemException.class, ControllerAdvice.class})
@ConditionalOnBoolean(name = "otto.problem.enabled", havingValue = false)
public final class OttoProblemDisabledAutoConfiguration {

  // The declared type must be the @ControllerAdvice class itself: Spring MVC finds advice beans by
  // the annotations on their declared type.
  @Bean
  @ConditionalOnMissingBean
  ProblemExceptionStatusAdvice ottoProblemExceptionStatusAdvice() {
    return new ProblemExceptionStatusAdvice();
  }
}
