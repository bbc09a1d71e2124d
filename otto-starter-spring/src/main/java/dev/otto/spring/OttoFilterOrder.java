package dev.otto.spring;

import org.springframework.core.Ordered;

/**
 * The servlet filter orders Otto registers, so applications can place their own filters relative to them.
 *
 * <p>Trace ids come first, right after Spring Boot's observation filter ({@code HIGHEST_PRECEDENCE + 1}) so
 * that an OpenTelemetry span is already current when the id is chosen. Problem handling wraps everything
 * after it, including Spring Security (order {@code -100}), so authentication errors are problems too.
 * Rate limiting runs after Spring Security, so that limits keyed by principal see the authenticated user.
 */
public final class OttoFilterOrder {

  /** Order of {@link dev.otto.problem.trace.TraceIdFilter}. */
  public static final int TRACE = Ordered.HIGHEST_PRECEDENCE + 2;

  /** Order of {@link dev.otto.problem.servlet.ProblemFilter}. */
  public static final int PROBLEM = Ordered.HIGHEST_PRECEDENCE + 3;

  /**
   * Order of {@link dev.otto.health.servlet.HealthEndpointsFilter}: inside problem handling (so its
   * problems carry the trace id) and before Spring Security and rate limiting, so that probes are neither
   * authenticated nor limited.
   */
  public static final int HEALTH = Ordered.HIGHEST_PRECEDENCE + 4;

  /** Order of {@link dev.otto.ratelimit.servlet.RateLimitFilter}: right after Spring Security's filters. */
  public static final int RATE_LIMIT = -90;

  /**
   * Order of {@link dev.otto.idempotency.servlet.IdempotencyFilter}: after rate limiting, so that a flood
   * is limited before it reaches the idempotency store, and after Spring Security, so that keys are
   * scoped by the authenticated principal.
   */
  public static final int IDEMPOTENCY = -80;

  private OttoFilterOrder() {}
}
