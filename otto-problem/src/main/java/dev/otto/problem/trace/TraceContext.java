package dev.otto.problem.trace;

import jakarta.servlet.ServletRequest;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
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

  /**
   * A new context with a random 128-bit trace id and 64-bit span id (never all zero), made the way
   * {@link TraceIdFilter} makes one: for answers produced where the filter cannot run, such as a request
   * the container rejected before any filter. Thread-safe.
   */
  public static TraceContext random() {
    RandomGenerator generator = ThreadLocalRandom.current();
    return new TraceContext(
        TraceIdFilter.newTraceId(generator), TraceIdFilter.newSpanId(generator), null);
  }
}
