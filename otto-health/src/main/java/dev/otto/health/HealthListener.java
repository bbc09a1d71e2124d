package dev.otto.health;

import org.jspecify.annotations.Nullable;

/**
 * Observes health checks: every recorded result and every change of status. Register it with
 * {@link ReadinessAggregator.Builder#listener}; {@code dev.otto.health.micrometer.HealthMetrics} is one.
 *
 * <p>Threading: methods are called on the aggregator's executor threads or on a probing thread, possibly
 * concurrently for different checks, never while a lock is held. One check's results are reported one at
 * a time and in the order they were recorded (a result may be reported by a thread other than the one
 * that recorded it), so the last result a listener has heard for a check is its current one. Methods
 * must be quick and must not block: a slow one delays the reports that follow it.
 * Whatever they throw, errors such as a {@code NoClassDefFoundError} included, is logged and ignored: it
 * neither fails a probe nor delays a result; only a {@link VirtualMachineError} propagates.
 */
public interface HealthListener {

  /**
   * Called for every result the aggregator records: each completed run, and each run that timed out
   * (at its timeout). What a run returns after it was reported timed out is not recorded, nor reported
   * (it is {@code DOWN} as well: it came too late).
   *
   * @param result the recorded result
   */
  default void onCheckCompleted(CheckResult result) {
  }

  /**
   * Called when a check's status differs from its previous recorded status, including its first
   * result, right after {@link #onCheckCompleted}.
   *
   * @param previous the previous result, or {@code null} for the check's first result
   * @param current the new result
   */
  default void onStatusChanged(@Nullable CheckResult previous, CheckResult current) {
  }
}
