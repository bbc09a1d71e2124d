package dev.otto.spring.problem;

import dev.otto.problem.servlet.ExceptionMappings;

/**
 * Contributes exception mappings to the auto-configured {@link ExceptionMappings}. Declare one or more as
 * beans; they are applied in {@link org.springframework.core.annotation.Order} order, so a later one can
 * replace an earlier mapping of the same class.
 *
 * <pre>{@code
 * @Bean
 * ExceptionMappingsCustomizer paymentErrors() {
 *   return mappings -> mappings.map(InsufficientFundsException.class,
 *       (ex, request) -> Problem.builder(402).title("Insufficient funds").build());
 * }
 * }</pre>
 */
@FunctionalInterface
public interface ExceptionMappingsCustomizer {

  /** Adds or replaces mappings on the builder before the registry is built. */
  void customize(ExceptionMappings.Builder mappings);
}
