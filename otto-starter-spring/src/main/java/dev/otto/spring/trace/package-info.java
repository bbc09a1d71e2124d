/** Auto-configuration of trace-id propagation (W3C {@code traceparent}, OpenTelemetry, MDC). */
@NullMarked
package dev.otto.spring.trace;

import org.jspecify.annotations.NullMarked;
