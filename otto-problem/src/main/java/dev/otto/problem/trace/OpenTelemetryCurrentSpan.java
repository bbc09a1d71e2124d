package dev.otto.problem.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.jspecify.annotations.Nullable;

/** The only class that touches OpenTelemetry; instantiated only when its API is on the classpath. */
final class OpenTelemetryCurrentSpan implements CurrentSpan {

  @Override
  public @Nullable TraceContext current(@Nullable String requestId) {
    SpanContext context = Span.current().getSpanContext();
    if (!context.isValid()) {
      return null;
    }
    return new TraceContext(context.getTraceId(), context.getSpanId(), requestId);
  }
}
