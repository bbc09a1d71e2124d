package dev.otto.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The run-time switch of one {@link Component}: whether it is enabled and whether it enforces or only
 * shadows its decisions. Obtained from {@link ComponentSwitches}; the filters take it as a plain
 * {@link BooleanSupplier}:
 *
 * <pre>{@code
 * ComponentSwitches switches = ComponentSwitches.create();
 * ComponentSwitch rateLimiting = switches.get(Component.RATELIMIT);
 * RateLimitFilter filter = RateLimitFilter.builder()
 *     .limiter(limiter)
 *     .rule(rule)
 *     .enabled(rateLimiting)
 *     .shadow(rateLimiting.shadow())
 *     .build();
 *
 * rateLimiting.setEnabled(false); // the next request passes straight through
 * }</pre>
 *
 * <p>Thread-safe. Reads are a single volatile read without a lock, cheap enough for every request; a
 * change is visible to every request that reads the switch after the setter returns. Setters notify the
 * {@linkplain ComponentSwitches#addListener listeners} once per actual change.
 */
public final class ComponentSwitch implements BooleanSupplier {

  private static final VarHandle ENABLED;
  private static final VarHandle MODE;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      ENABLED = lookup.findVarHandle(ComponentSwitch.class, "enabled", boolean.class);
      MODE = lookup.findVarHandle(ComponentSwitch.class, "mode", Mode.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Component component;
  private final ComponentSwitches owner;
  private final BooleanSupplier shadow = this::isShadow;

  // Accessed through the VarHandles for the atomic swap and plainly as volatile fields for reads.
  private volatile boolean enabled = true;
  private volatile Mode mode = Mode.ENFORCE;

  ComponentSwitch(Component component, ComponentSwitches owner) {
    this.component = component;
    this.owner = owner;
  }

  /** The component this switch governs. */
  public Component component() {
    return component;
  }

  /** Whether the component is enabled; a disabled component passes every request straight through. */
  public boolean isEnabled() {
    return enabled;
  }

  /** The same as {@link #isEnabled()}, so the switch can be passed where a filter takes a supplier. */
  @Override
  public boolean getAsBoolean() {
    return enabled;
  }

  /** Whether the component enforces its decisions or only shadows them. */
  public Mode mode() {
    return mode;
  }

  /** Whether the {@linkplain #mode() mode} is {@link Mode#SHADOW}. */
  public boolean isShadow() {
    return mode == Mode.SHADOW;
  }

  /**
   * A supplier that reads {@link #isShadow()} each time it is asked, for a filter's {@code shadow(...)}
   * option. Always the same instance.
   */
  public BooleanSupplier shadow() {
    return shadow;
  }

  /**
   * Enables or disables the component from the next request on. Requests already running finish as
   * they started. Notifies the listeners when the state actually changes, on this thread, after the
   * change is visible.
   */
  public void setEnabled(boolean enabled) {
    boolean previous = (boolean) ENABLED.getAndSet(this, enabled);
    if (previous != enabled) {
      owner.changed(this);
    }
  }

  /**
   * Sets the mode from the next request on. Notifies the listeners when the mode actually changes, on
   * this thread, after the change is visible.
   *
   * @throws NullPointerException if {@code mode} is null
   */
  public void setMode(Mode mode) {
    Objects.requireNonNull(mode, "mode must not be null: use Mode.ENFORCE or Mode.SHADOW");
    Mode previous = (Mode) MODE.getAndSet(this, mode);
    if (previous != mode) {
      owner.changed(this);
    }
  }

  /** For example {@code ComponentSwitch[ratelimit, enabled, enforce]}. */
  @Override
  public String toString() {
    return "ComponentSwitch[" + component.id() + ", " + (enabled ? "enabled" : "disabled") + ", "
        + mode.id() + "]";
  }
}
