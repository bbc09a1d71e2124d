package dev.otto.problem.trace;

import org.jspecify.annotations.Nullable;

/**
 * Reads the trace identity of the span current on this thread. The indirection keeps OpenTelemetry types
 * out of {@link TraceIdFilter}, so the filter loads and works when OpenTelemetry is absent.
 */
interface CurrentSpan {

  /** Returns the current span's ids with {@code requestId}, or {@code null} if there is no valid span. */
  @Nullable TraceContext current(@Nullable String requestId);
}
