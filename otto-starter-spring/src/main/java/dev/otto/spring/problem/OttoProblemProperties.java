package dev.otto.spring.problem;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Configuration of Otto's RFC 9457 problem responses (otto.problem.*). */
@ConfigurationProperties(prefix = "otto.problem")
public class OttoProblemProperties {

  /** Whether to turn errors into RFC 9457 problem responses. */
  private boolean enabled = true;

  /**
   * Whether Spring MVC's own exceptions (404, 405, 415, malformed bodies, ...) are answered as Otto
   * problems, so that controllers, filters and the container share one error format.
   */
  private boolean mvcExceptions = true;

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public boolean isMvcExceptions() {
    return mvcExceptions;
  }

  public void setMvcExceptions(boolean mvcExceptions) {
    this.mvcExceptions = mvcExceptions;
  }
}
