package dev.otto.spring;

import java.util.Locale;
import org.springframework.core.env.PropertyResolver;

/**
 * Reads Otto's on/off properties (such as {@code otto.ratelimit.enabled}) the one way every part of the
 * starter reads them: the conditions that create a component's beans, the switch it starts with and the
 * Actuator endpoint's {@code available}. Spring's own conversion would read {@code on}, {@code yes} or
 * {@code 1} as true where a property condition reads them as neither, so a component could run without
 * its beans, or its beans without its switch; only {@code true} and {@code false} (in any case) are taken.
 * Used by Otto's auto-configuration; not meant for applications.
 */
public final class BooleanProperty {

  private BooleanProperty() {}

  /**
   * The value of {@code name}, or {@code ifMissing} when it is not set.
   *
   * @throws IllegalArgumentException naming the property and its value when it is set to anything but
   *     {@code true} or {@code false}
   */
  public static boolean read(PropertyResolver properties, String name, boolean ifMissing) {
    String value = properties.getProperty(name);
    if (value == null) {
      return ifMissing;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              name + " is '" + value + "': use true or false (on, yes, 1 and the like are not taken,"
                  + " so that every part of Otto reads the switch alike)");
    };
  }
}
