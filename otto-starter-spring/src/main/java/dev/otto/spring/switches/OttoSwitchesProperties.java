package dev.otto.spring.switches;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Where run-time switch states come from besides the Actuator endpoint ({@code otto.switches.*}). */
@ConfigurationProperties(prefix = "otto.switches")
public class OttoSwitchesProperties {

  private final OpenFeature openFeature = new OpenFeature();

  public OpenFeature getOpenFeature() {
    return openFeature;
  }

  /** Steering the switches from OpenFeature flags (needs dev.openfeature:sdk on the classpath). */
  public static class OpenFeature {

    /**
     * Whether the flags otto.COMPONENT.enabled (boolean) and otto.COMPONENT.mode (string) set the switches.
     */
    private boolean enabled = false;

    /** How often the flags are evaluated. */
    private Duration pollInterval = Duration.ofSeconds(5);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Duration getPollInterval() {
      return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
    }
  }
}
