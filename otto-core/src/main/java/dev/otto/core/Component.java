package dev.otto.core;

import java.util.Objects;
import java.util.Optional;

/**
 * The Otto components that can be switched at run time. Each has a lower-case {@linkplain #id() id}, the
 * name operators use in properties ({@code otto.<id>.enabled}), endpoints and metric tags.
 */
public enum Component {
  /** Rate limiting ({@code RateLimitFilter}). */
  RATELIMIT("ratelimit"),
  /** Idempotency keys ({@code IdempotencyFilter}). */
  IDEMPOTENCY("idempotency"),
  /** Exceptions mapped to RFC 9457 problem responses ({@code ProblemFilter}). */
  PROBLEM("problem"),
  /** Trace ids on responses and in the logging context ({@code TraceIdFilter}). */
  TRACE("trace"),
  /** The liveness and readiness endpoints ({@code HealthEndpointsFilter}). */
  HEALTH("health");

  private final String id;

  Component(String id) {
    this.id = id;
  }

  /** The component's lower-case name, for example {@code "ratelimit"}; never changes. */
  public String id() {
    return id;
  }

  /**
   * The component whose {@linkplain #id() id} is exactly {@code id}, or empty for anything else
   * (including other letter cases, blanks and surrounding spaces).
   *
   * @throws NullPointerException if {@code id} is null
   */
  public static Optional<Component> byId(String id) {
    Objects.requireNonNull(id, "id must not be null");
    for (Component component : values()) {
      if (component.id.equals(id)) {
        return Optional.of(component);
      }
    }
    return Optional.empty();
  }
}
