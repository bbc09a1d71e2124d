package dev.otto.health;

import java.util.HashMap;
import java.util.Map;

/** Detail values a check may return that are no plain JSON values, for the tests of copying and writing. */
public final class OddDetails {

  private OddDetails() {
  }

  /** A map {@code {"b": {"a": <itself>}}}: its {@code toString()} overflows the stack. */
  public static Map<String, Object> indirectlyCyclic() {
    Map<String, Object> a = new HashMap<>();
    Map<String, Object> b = new HashMap<>();
    a.put("b", b);
    b.put("a", a);
    return a;
  }

  /** An object whose {@code toString()} throws, with a message that must never be shown. */
  public static Object unprintable() {
    return new Object() {
      @Override
      public String toString() {
        throw new IllegalStateException("secret-host.internal:5432");
      }
    };
  }
}
