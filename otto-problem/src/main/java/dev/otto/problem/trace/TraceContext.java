package dev.otto.problem.trace;

import jakarta.servlet.ServletRequest;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The trace identity of one request, stored by {@link TraceIdFilter} as the request attribute
 * {@link #ATTRIBUTE}.
 *
 * @param traceId   the W3C trace id: 32 lowercase hex digits
 * @param spanId    the span id of the server side of this request: 16 lowercase hex digits
 * @param requestId the client's validated {@code X-Request-Id}, or {@code null} when it sent none or an
 *                  invalid one
 */
public record TraceContext(String traceId, String spanId, @Nullable String requestId) {

  /** The name of the request attribute holding the {@code TraceContext}. */
  public static final String ATTRIBUTE = TraceContext.class.getName();

  /**
   * Creates a trace context.
   *
   * @throws NullPointerException if {@code traceId} or {@code spanId} is {@code null}
   */
  public TraceContext {
    Objects.requireNonNull(traceId, "traceId must not be null");
    Objects.requireNonNull(spanId, "spanId must not be null");
  }

  /**
   * Returns the trace context {@link TraceIdFilter} stored on {@code request}, or empty when the filter
   * did not run for it. Reads only the request attribute; safe from any thread that may use the request.
   */
  public static Optional<TraceContext> from(ServletRequest request) {
    return request.getAttribute(ATTRIBUTE) instanceof TraceContext context
        ? Optional.of(context)
        : Optional.empty();
  }
}
