package dev.otto.spring.switches;

import dev.openfeature.sdk.Client;
import dev.openfeature.sdk.FlagEvaluationDetails;
import dev.openfeature.sdk.Reason;
import dev.otto.core.ComponentSwitch;
import dev.otto.core.ComponentSwitches;
import dev.otto.core.Mode;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.PropertyResolver;

/**
 * Sets the switches from OpenFeature flags, so teams that run a flag service steer Otto from there: the
 * boolean flag {@code otto.<component>.enabled} and, for rate limiting and idempotency, the string flag
 * {@code otto.<component>.mode} ({@code enforce} or {@code shadow}). Flags are evaluated when the
 * application starts and every poll interval after, for the components enabled at start. A flag the provider does not resolve (unknown, disabled
 * or failed) leaves its field of the switch as it is, a resolved flag sets only a field it changes, and an
 * invalid mode is logged and ignored.
 */
final class OpenFeatureSwitches implements SmartLifecycle {

  private static final Logger audit = LoggerFactory.getLogger("dev.otto.audit");
  private static final Logger log = LoggerFactory.getLogger(OpenFeatureSwitches.class);

  private final Client flags;
  private final ComponentSwitches switches;
  private final PropertyResolver properties;
  private final Duration interval;
  private @Nullable ScheduledExecutorService scheduler;

  OpenFeatureSwitches(
      Client flags, ComponentSwitches switches, PropertyResolver properties, Duration interval) {
    // Scheduled in whole milliseconds, and a fixed delay must be positive.
    if (interval.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException(
          "otto.switches.open-feature.poll-interval must be at least 1ms: " + interval);
    }
    this.flags = flags;
    this.switches = switches;
    this.properties = properties;
    this.interval = interval;
  }

  /**
   * Evaluates every flag once and applies what the provider resolved. A flag it did not resolve (unknown,
   * disabled, failed) changes nothing, and only a field whose flag differs from the switch is set, so a
   * change an operator makes through the endpoint meanwhile is not overwritten by a copy read before.
   */
  void apply() {
    for (ComponentSwitch component : switches.all()) {
      if (!SwitchStates.availableAtStart(properties, component.component())) {
        continue; // no beans to switch on; the endpoint refuses the same with 409
      }
      String prefix = "otto." + component.component().id();
      try {
        Boolean enabled = resolved(flags.getBooleanDetails(prefix + ".enabled", component.isEnabled()));
        Mode mode = null;
        if (SwitchStates.hasShadowMode(component.component())) {
          mode = mode(prefix, resolved(flags.getStringDetails(prefix + ".mode", component.mode().id())));
        }
        boolean changeEnabled = enabled != null && enabled != component.isEnabled();
        boolean changeMode = mode != null && mode != component.mode();
        if (changeEnabled && changeMode) {
          component.set(enabled, mode);
        } else if (changeEnabled) {
          component.setEnabled(enabled);
        } else if (changeMode) {
          component.setMode(mode);
        } else {
          continue;
        }
        audit.info(
            "Otto component {} switched to enabled={} mode={} by OpenFeature",
            component.component().id(), component.isEnabled(), component.mode().id());
      } catch (RuntimeException e) {
        // A flag service that fails must not take Otto down; the switch keeps its last state.
        log.warn("Could not evaluate the OpenFeature flags of {}; keeping its switch as it is", prefix, e);
      }
    }
  }

  // The default value comes back for a flag the provider does not know, has disabled or failed on; only
  // a value the provider chose may set a switch.
  private static <T> @Nullable T resolved(FlagEvaluationDetails<T> flag) {
    String reason = flag.getReason();
    if (flag.getErrorCode() != null
        || Reason.ERROR.name().equals(reason)
        || Reason.DISABLED.name().equals(reason)) {
      return null;
    }
    return flag.getValue();
  }

  private static @Nullable Mode mode(String prefix, @Nullable String flag) {
    if (flag == null) {
      return null;
    }
    Mode mode = Mode.byId(flag.toLowerCase(Locale.ROOT)).orElse(null);
    if (mode == null) {
      log.warn("Ignoring OpenFeature flag {}.mode = '{}': use enforce or shadow", prefix, flag);
    }
    return mode;
  }

  @Override
  public synchronized void start() {
    if (scheduler != null) {
      return;
    }
    apply();
    ScheduledExecutorService started =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "otto-openfeature-switches");
              thread.setDaemon(true);
              return thread;
            });
    long millis = interval.toMillis();
    started.scheduleWithFixedDelay(this::apply, millis, millis, TimeUnit.MILLISECONDS);
    scheduler = started;
  }

  @Override
  public synchronized void stop() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return scheduler != null;
  }
}
