/**
 * Trace-id propagation: {@link dev.otto.problem.trace.TraceIdFilter} gives every request a
 * {@link dev.otto.problem.trace.TraceContext} (from the current OpenTelemetry span, a valid W3C
 * {@code traceparent} header, or freshly generated ids), puts it in the logging MDC and echoes the trace id
 * to the client, so a problem response and the server log line can be matched.
 */
@NullMarked
package dev.otto.problem.trace;

import org.jspecify.annotations.NullMarked;
