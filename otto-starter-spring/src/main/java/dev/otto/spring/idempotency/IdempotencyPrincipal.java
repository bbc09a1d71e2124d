package dev.otto.spring.idempotency;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Who a request is from, for scoping idempotency keys: the same key from two principals means two
 * different requests. Declare a bean to replace the default, the authenticated user's name
 * ({@link HttpServletRequest#getUserPrincipal()}).
 */
@FunctionalInterface
public interface IdempotencyPrincipal {

  /** The principal's name, or {@code null} for an anonymous request (all anonymous requests share one scope). */
  @Nullable String of(HttpServletRequest request);
}
