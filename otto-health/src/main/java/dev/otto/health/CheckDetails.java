package dev.otto.health;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAccumulator;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * Copies what a check reported into immutable JSON-like values, once, when its result is made: after that
 * nothing the check still holds (a live map, a counter) can change the result, or break {@code /ready}
 * while it is written on another thread.
 *
 * <p>Values become {@code String}, {@code Boolean}, an immutable {@code Number} ({@code Integer},
 * {@code Long}, {@code Short}, {@code Byte}, {@code Double}, {@code Float}, {@code BigInteger},
 * {@code BigDecimal}; atomics and adders as their current value), {@code null}, an unmodifiable
 * {@code List} (from any collection or array) or an unmodifiable {@code Map} with {@code String} keys in
 * the check's order. Anything else becomes its {@code toString()}. What cannot be copied becomes a
 * placeholder: {@value #CYCLE} for a map or collection that contains itself, {@value #TOO_DEEP} below
 * {@value #MAX_DEPTH} levels, {@value #UNPRINTABLE} for a {@code toString()} that throws or returns
 * {@code null}.
 */
final class CheckDetails {

  static final int MAX_DEPTH = 8;
  static final String CYCLE = "(cycle)";
  static final String TOO_DEEP = "(too deep)";
  static final String UNPRINTABLE = "(unprintable)";

  private CheckDetails() {
  }

  /**
   * Copies a check's details: entries with a {@code null} key or value are left out.
   *
   * @throws RuntimeException what iterating a collection of the check's throws (such as a
   *     {@code ConcurrentModificationException} when the check still changes it)
   */
  static Map<String, Object> copy(@Nullable Map<String, ?> details) {
    if (details == null || details.isEmpty()) {
      return Map.of();
    }
    Set<Object> path = Collections.newSetFromMap(new IdentityHashMap<>());
    path.add(details);
    Map<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, ?> entry : details.entrySet()) {
      Object value = entry.getValue();
      if (entry.getKey() != null && value != null) {
        copy.put(entry.getKey(), copyValue(value, 1, path));
      }
    }
    return Collections.unmodifiableMap(copy);
  }

  private static @Nullable Object copyValue(@Nullable Object value, int depth, Set<Object> path) {
    if (value == null || value instanceof String || value instanceof Boolean || isImmutableNumber(value)) {
      return value;
    }
    if (value instanceof Number number) {
      return currentValue(number);
    }
    boolean container = value instanceof Map<?, ?> || value instanceof Collection<?>
        || value.getClass().isArray();
    if (!container) {
      return text(value);
    }
    // Never toString() a container: an indirectly cyclic one overflows the stack.
    if (depth > MAX_DEPTH) {
      return TOO_DEEP;
    }
    if (!path.add(value)) {
      return CYCLE;
    }
    try {
      if (value instanceof Map<?, ?> map) {
        Map<String, @Nullable Object> copy = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          if (entry.getKey() != null) {
            copy.put(text(entry.getKey()), copyValue(entry.getValue(), depth + 1, path));
          }
        }
        return Collections.unmodifiableMap(copy);
      }
      List<@Nullable Object> copy = new ArrayList<>();
      if (value instanceof Collection<?> collection) {
        for (Object element : collection) {
          copy.add(copyValue(element, depth + 1, path));
        }
      } else {
        for (int i = 0, length = Array.getLength(value); i < length; i++) {
          copy.add(copyValue(Array.get(value, i), depth + 1, path));
        }
      }
      return Collections.unmodifiableList(copy);
    } finally {
      path.remove(value);
    }
  }

  private static boolean isImmutableNumber(Object value) {
    return value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
        || value instanceof Double || value instanceof Float || value instanceof BigInteger
        || value instanceof BigDecimal;
  }

  /** A mutable or unknown number, as the immutable number it holds now. */
  private static Object currentValue(Number number) {
    if (number instanceof AtomicInteger || number instanceof AtomicLong || number instanceof LongAdder
        || number instanceof LongAccumulator) {
      return number.longValue();
    }
    if (number instanceof DoubleAdder || number instanceof DoubleAccumulator) {
      return number.doubleValue();
    }
    String text = text(number);
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException notDecimal) {
      return text;
    }
  }

  /** The value's {@code toString()}, or a placeholder when that throws or gives {@code null}. */
  private static String text(Object value) {
    String text;
    try {
      text = value.toString();
    } catch (RuntimeException | LinkageError e) {
      return UNPRINTABLE;
    }
    return text != null ? text : UNPRINTABLE;
  }
}
