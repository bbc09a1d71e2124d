package dev.otto.spring.ratelimit;

import dev.otto.spring.problem.OttoProblemAutoConfiguration;
import dev.otto.spring.switches.OttoSwitchesAutoConfiguration;
import dev.otto.spring.trace.OttoTraceAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** The web application the rate-limit auto-configuration tests start: rate limiting and what it builds on. */
public final class RateLimitContexts {

  private RateLimitContexts() {
  }

  /**
   * A runner with the switches, trace, problem and rate-limit auto-configurations.
   *
   * @return a new runner
   */
  public static WebApplicationContextRunner web() {
    return new WebApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                OttoSwitchesAutoConfiguration.class,
                OttoTraceAutoConfiguration.class,
                OttoProblemAutoConfiguration.class,
                OttoRateLimitAutoConfiguration.class));
  }
}
