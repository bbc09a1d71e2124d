package dev.otto.core;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One {@link ComponentSwitch} per {@link Component}, created together and shared by everything that
 * reads or flips them: the filters, an admin endpoint, metrics.
 *
 * <pre>{@code
 * ComponentSwitches switches = ComponentSwitches.create();
 * switches.addListener(changed -> log.info("switched {}", changed));
 * TraceIdFilter trace = TraceIdFilter.builder().enabled(switches.get(Component.TRACE)).build();
 *
 * switches.find("trace").ifPresent(s -> s.setEnabled(false));
 * }</pre>
 *
 * <p>Thread-safe. Create one per application and pass it around; there is no global instance.
 */
public final class ComponentSwitches {

  private static final System.Logger LOG = System.getLogger(ComponentSwitches.class.getName());

  private final Map<Component, ComponentSwitch> switches = new EnumMap<>(Component.class);
  private final List<ComponentSwitch> all;
  private final List<SwitchListener> listeners = new CopyOnWriteArrayList<>();

  private ComponentSwitches() {
    for (Component component : Component.values()) {
      switches.put(component, new ComponentSwitch(component, this));
    }
    all = List.copyOf(switches.values());
  }

  /** Switches for every component, all enabled and in {@link Mode#ENFORCE}. */
  public static ComponentSwitches create() {
    return new ComponentSwitches();
  }

  /**
   * The switch of {@code component}; always the same instance.
   *
   * @throws NullPointerException if {@code component} is null
   */
  public ComponentSwitch get(Component component) {
    Objects.requireNonNull(component, "component must not be null");
    return switches.get(component);
  }

  /**
   * The switch of the component whose {@linkplain Component#id() id} is exactly {@code id}, or empty for
   * an unknown name.
   *
   * @throws NullPointerException if {@code id} is null
   */
  public Optional<ComponentSwitch> find(String id) {
    return Component.byId(id).map(switches::get);
  }

  /** Every switch, in the order of {@link Component}'s constants; an unmodifiable list. */
  public List<ComponentSwitch> all() {
    return all;
  }

  /**
   * Calls {@code listener} on every later actual change of any switch. Listeners are called in the order
   * they were added, on the thread that made the change; one that throws is logged and skipped.
   *
   * @throws NullPointerException if {@code listener} is null
   */
  public void addListener(SwitchListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
  }

  void changed(ComponentSwitch changed) {
    for (SwitchListener listener : listeners) {
      try {
        listener.onChange(changed);
      } catch (RuntimeException e) {
        // The change has happened and must stay; a broken audit hook must not make it look failed.
        LOG.log(System.Logger.Level.WARNING,
            "Switch listener " + listener + " failed on " + changed + "; the change stands", e);
      }
    }
  }

  /** For example {@code ComponentSwitches[ComponentSwitch[ratelimit, enabled, enforce], ...]}. */
  @Override
  public String toString() {
    return "ComponentSwitches" + all;
  }
}
