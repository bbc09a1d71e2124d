package dev.otto.spring.switches;

import dev.openfeature.sdk.Client;
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

/**
 * Sets the switches from OpenFeature flags, so teams that run a flag service steer Otto from there: the
 * boolean flag {@code otto.<component>.enabled} and, for rate limiting and idempotency, the string flag
 * {@code otto.<component>.mode} ({@code enforce} or {@code shadow}). Flags are evaluated when the
 * application starts and every poll interval after; a flag the provider does not know leaves the switch
 * as it is (the current state is the default value), and an invalid mode is logged and ignored.
 */
final class OpenFeatureSwitches implements SmartLifecycle {

  private static final Logger audit = LoggerFactory.getLogger("dev.otto.audit");
  private static final Logger log = LoggerFactory.getLogger(OpenFeatureSwitches.class);

  private final Client flags;
  private final ComponentSwitches switches;
  private final Duration interval;
  private @Nullable ScheduledExecutorService scheduler;

  OpenFeatureSwitches(Client flags, ComponentSwitches switches, Duration interval) {
    this.flags = flags;
    this.switches = switches;
    this.interval = interval;
  }

  /** Evaluates every flag once and applies the changes. */
  void apply() {
    for (ComponentSwitch component : switches.all()) {
      String prefix = "otto." + component.component().id();
      try {
        boolean enabled = flags.getBooleanValue(prefix + ".enabled", component.isEnabled());
        Mode mode = component.mode();
        if (SwitchStates.hasShadowMode(component.component())) {
          String flag = flags.getStringValue(prefix + ".mode", mode.id());
          mode = Mode.byId(flag.toLowerCase(Locale.ROOT)).orElse(mode);
          if (!mode.id().equalsIgnoreCase(flag)) {
            log.warn("Ignoring OpenFeature flag {}.mode = '{}': use enforce or shadow", prefix, flag);
          }
        }
        if (enabled != component.isEnabled() || mode != component.mode()) {
          component.setEnabled(enabled);
          component.setMode(mode);
          audit.info(
              "Otto component {} switched to enabled={} mode={} by OpenFeature",
              component.component().id(), enabled, mode.id());
        }
      } catch (RuntimeException e) {
        // A flag service that fails must not take Otto down; the switch keeps its last state.
        log.warn("Could not evaluate the OpenFeature flags of {}; keeping its switch as it is", prefix, e);
      }
    }
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
