package dev.otto.core;

/**
 * Told about every actual change of a {@link ComponentSwitch}: to audit who switched what, to log, or to
 * update a dashboard.
 *
 * <p>Called synchronously on the thread that changed the switch, after the change is visible to every
 * reader. Several threads may call it at once, so implementations must be thread-safe and should be
 * quick. An exception thrown here is logged and ignored; it never undoes the change nor keeps other
 * listeners from being called.
 */
@FunctionalInterface
public interface SwitchListener {

  /**
   * Called once per actual change of {@code changed}'s state or mode; setting a value it already has is
   * not a change. Read the new state from {@code changed}: by the time this runs, a concurrent change
   * may already have superseded the one that caused the call.
   */
  void onChange(ComponentSwitch changed);
}
