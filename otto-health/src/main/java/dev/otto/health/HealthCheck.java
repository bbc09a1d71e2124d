package dev.otto.health;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One dependency that readiness depends on: a name, whether it is critical, an optional timeout and the
 * {@link CheckAction} that checks it.
 *
 * <pre>{@code
 * HealthCheck broker = HealthCheck.of("broker", true, timeout -> {
 *   client.ping(timeout);
 *   return null;
 * });
 * HealthCheck search = HealthCheck.builder("search")
 *     .critical(false)                 // DOWN makes readiness degraded, not failed
 *     .timeout(Duration.ofMillis(300)) // instead of the aggregator's default
 *     .action(timeout -> search.ping())
 *     .build();
 * }</pre>
 *
 * <p>A critical check that is {@code DOWN} makes the service not ready ({@code 503}); a non-critical
 * one only makes it degraded (still {@code 200}). The name is shown in {@code /ready} and used as a
 * metric tag, so it is short and fixed: 1 to 64 characters of {@code A-Z a-z 0-9 . _ -}.
 *
 * <p>Immutable and thread-safe; how the action is run is described on {@link ReadinessAggregator}.
 */
public final class HealthCheck {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final String name;
  private final boolean critical;
  private final @Nullable Duration timeout;
  private final CheckAction action;

  private HealthCheck(Builder builder, CheckAction action) {
    this.name = builder.name;
    this.critical = builder.critical;
    this.timeout = builder.timeout;
    this.action = action;
  }

  /**
   * Returns a check with the aggregator's default timeout.
   *
   * @param name the component name shown in {@code /ready}: 1 to 64 characters of
   *     {@code A-Z a-z 0-9 . _ -}
   * @param critical whether a {@code DOWN} result makes the service not ready
   * @param action the check itself
   * @throws IllegalArgumentException if {@code name} is not valid
   */
  public static HealthCheck of(String name, boolean critical, CheckAction action) {
    return builder(name).critical(critical).action(action).build();
  }

  /**
   * Starts a check configuration: critical, with the aggregator's default timeout, and an
   * {@link Builder#action action} that must be set.
   *
   * @param name the component name shown in {@code /ready}: 1 to 64 characters of
   *     {@code A-Z a-z 0-9 . _ -}
   * @throws IllegalArgumentException if {@code name} is not valid
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Returns a builder that starts with this check's settings, to derive a changed copy. */
  public Builder toBuilder() {
    Builder builder = new Builder(name).critical(critical).action(action);
    builder.timeout = timeout;
    return builder;
  }

  /** Returns the component name, as shown in {@code /ready} and used as the metric tag. */
  public String name() {
    return name;
  }

  /** Returns whether a {@code DOWN} result makes the service not ready (otherwise only degraded). */
  public boolean critical() {
    return critical;
  }

  /** Returns this check's own timeout, or {@code null} to use the aggregator's default. */
  public @Nullable Duration timeout() {
    return timeout;
  }

  /** Returns the action that performs the check. */
  public CheckAction action() {
    return action;
  }

  /** Describes the check for logs: name, criticality and timeout. */
  @Override
  public String toString() {
    return "HealthCheck[name=" + name + ", critical=" + critical + ", timeout="
        + (timeout == null ? "default" : timeout) + "]";
  }

  static boolean isValidName(String name) {
    return NAME.matcher(name).matches();
  }

  /**
   * Configures a {@link HealthCheck}. Setters validate at once and name the bad value. Not thread-safe;
   * the check it builds is.
   */
  public static final class Builder {

    private final String name;
    private boolean critical = true;
    private @Nullable Duration timeout;
    private @Nullable CheckAction action;

    private Builder(String name) {
      Objects.requireNonNull(name, "name must not be null");
      if (!isValidName(name)) {
        throw new IllegalArgumentException(
            "name must be 1 to 64 characters of A-Z a-z 0-9 . _ -: '" + name + "'");
      }
      this.name = name;
    }

    /**
     * Sets whether a {@code DOWN} result makes the service not ready ({@code true}, the default) or
     * only degraded ({@code false}).
     */
    public Builder critical(boolean critical) {
      this.critical = critical;
      return this;
    }

    /**
     * Sets how long the aggregator waits for one run of this check before reporting it {@code DOWN}
     * ("timed out after N ms"). Defaults to the aggregator's default timeout; {@code null} restores
     * that.
     *
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder timeout(@Nullable Duration timeout) {
      if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** Sets the action that performs the check. Required. */
    public Builder action(CheckAction action) {
      this.action = Objects.requireNonNull(action, "action must not be null");
      return this;
    }

    /**
     * Returns the check. The builder may be reused afterwards.
     *
     * @throws IllegalStateException if no action was set
     */
    public HealthCheck build() {
      CheckAction chosen = action;
      if (chosen == null) {
        throw new IllegalStateException("action must be set for health check '" + name
            + "': HealthCheck.builder(name).action(timeout -> ...)");
      }
      return new HealthCheck(this, chosen);
    }
  }
}
