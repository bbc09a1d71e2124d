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
 * {@linkplain ComponentSwitches#addListener listeners} once per actual change; {@link #set(boolean, Mode)}
 * changes enabled and mode together.
 */
public final class ComponentSwitch implements BooleanSupplier {

  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(ComponentSwitch.class, "state", State.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Component component;
  private final ComponentSwitches owner;
  private final BooleanSupplier shadow = this::isShadow;

  // Enabled and mode in one field, so that both change in one step and a reader never sees half a change.
  // Accessed through the VarHandle for the compare-and-set and plainly as a volatile field for reads.
  private volatile State state = State.of(true, Mode.ENFORCE);

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
    return state.enabled;
  }

  /** The same as {@link #isEnabled()}, so the switch can be passed where a filter takes a supplier. */
  @Override
  public boolean getAsBoolean() {
    return state.enabled;
  }

  /** Whether the component enforces its decisions or only shadows them. */
  public Mode mode() {
    return state.mode;
  }

  /** Whether the {@linkplain #mode() mode} is {@link Mode#SHADOW}. */
  public boolean isShadow() {
    return state.mode == Mode.SHADOW;
  }

  /**
   * A supplier that reads {@link #isShadow()} each time it is asked, for a filter's {@code shadow(...)}
   * option. Always the same instance.
   */
  public BooleanSupplier shadow() {
    return shadow;
  }

  /**
   * Enables or disables the component from the next request on, leaving the mode as it is. Requests
   * already running finish as they started. Notifies the listeners when the state actually changes, on
   * this thread, after the change is visible.
   */
  public void setEnabled(boolean enabled) {
    State previous;
    do {
      previous = state;
      if (previous.enabled == enabled) {
        return;
      }
    } while (!STATE.compareAndSet(this, previous, State.of(enabled, previous.mode)));
    owner.changed(this);
  }

  /**
   * Sets the mode from the next request on, leaving enabled as it is. Notifies the listeners when the mode
   * actually changes, on this thread, after the change is visible.
   *
   * @throws NullPointerException if {@code mode} is null
   */
  public void setMode(Mode mode) {
    Objects.requireNonNull(mode, "mode must not be null: use Mode.ENFORCE or Mode.SHADOW");
    State previous;
    do {
      previous = state;
      if (previous.mode == mode) {
        return;
      }
    } while (!STATE.compareAndSet(this, previous, State.of(previous.enabled, mode)));
    owner.changed(this);
  }

  /**
   * Sets both in one step from the next request on, so that no request sees one without the other (such
   * as a component switched on in shadow mode enforcing in between). Notifies the listeners once when
   * anything actually changes, on this thread, after the change is visible.
   *
   * @throws NullPointerException if {@code mode} is null
   */
  public void set(boolean enabled, Mode mode) {
    Objects.requireNonNull(mode, "mode must not be null: use Mode.ENFORCE or Mode.SHADOW");
    State next = State.of(enabled, mode);
    if ((State) STATE.getAndSet(this, next) != next) {
      owner.changed(this);
    }
  }

  /** For example {@code ComponentSwitch[ratelimit, enabled, enforce]}. */
  @Override
  public String toString() {
    State current = state;
    return "ComponentSwitch[" + component.id() + ", " + (current.enabled ? "enabled" : "disabled") + ", "
        + current.mode.id() + "]";
  }

  /** The four states, one instance each, so that a change allocates nothing and compares by identity. */
  private enum State {
    ENABLED_ENFORCE(true, Mode.ENFORCE),
    ENABLED_SHADOW(true, Mode.SHADOW),
    DISABLED_ENFORCE(false, Mode.ENFORCE),
    DISABLED_SHADOW(false, Mode.SHADOW);

    final boolean enabled;
    final Mode mode;

    State(boolean enabled, Mode mode) {
      this.enabled = enabled;
      this.mode = mode;
    }

    static State of(boolean enabled, Mode mode) {
      if (mode == Mode.SHADOW) {
        return enabled ? ENABLED_SHADOW : DISABLED_SHADOW;
      }
      return enabled ? ENABLED_ENFORCE : DISABLED_ENFORCE;
    }
  }
}
