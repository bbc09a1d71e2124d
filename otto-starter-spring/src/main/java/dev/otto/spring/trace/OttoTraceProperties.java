package dev.otto.spring.trace;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Configuration of Otto's trace-id propagation (otto.trace.*). */
@ConfigurationProperties(prefix = "otto.trace")
public class OttoTraceProperties {

  /** Whether to give every request a trace id (MDC, request attribute and response header). */
  private boolean enabled = true;

  /** Response header that carries the trace id. */
  private String responseHeader = "X-Trace-Id";

  /**
   * Request header whose value is echoed back when it is 1-128 characters of [A-Za-z0-9._:-].
   * Empty to never echo one.
   */
  private @Nullable String requestIdHeader = "X-Request-Id";

  /** Whether a current OpenTelemetry span, when there is one, supplies the trace id. */
  private boolean openTelemetry = true;

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getResponseHeader() {
    return responseHeader;
  }

  public void setResponseHeader(String responseHeader) {
    this.responseHeader = responseHeader;
  }

  public @Nullable String getRequestIdHeader() {
    return requestIdHeader;
  }

  public void setRequestIdHeader(@Nullable String requestIdHeader) {
    this.requestIdHeader = requestIdHeader;
  }

  public boolean isOpenTelemetry() {
    return openTelemetry;
  }

  public void setOpenTelemetry(boolean openTelemetry) {
    this.openTelemetry = openTelemetry;
  }
}
