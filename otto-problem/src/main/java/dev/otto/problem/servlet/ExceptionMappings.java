package dev.otto.problem.servlet;

import dev.otto.problem.Problem;
import dev.otto.problem.ProblemException;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An immutable registry that turns exceptions into problems.
 *
 * <pre>{@code
 * ExceptionMappings mappings = ExceptionMappings.builder()
 *     .map(OrderNotFoundException.class, (e, request) -> Problem.builder(404)
 *         .detail("No order " + e.orderId())
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>The most specific registration wins: the classes of the exception are tried from its own class up
 * through its superclasses, and the first registered one is used (interfaces are not considered).
 * Frameworks wrap handler exceptions in {@link ServletException}; such a wrapper is unwrapped to its cause
 * (repeatedly) before the lookup, unless the wrapper's class or one of its {@code ServletException}
 * superclasses is itself registered. {@link ProblemException} is always registered and answers with its
 * own problem.
 *
 * <p>Thread-safe. {@link #toProblem} itself never fails, but the mappings it calls may throw.
 */
public final class ExceptionMappings {

  /** Bounds unwrapping, which also stops cause cycles. */
  private static final int MAX_UNWRAP = 16;

  private final Map<Class<?>, ExceptionMapping<?>> mappings;

  private ExceptionMappings(Map<Class<?>, ExceptionMapping<?>> mappings) {
    this.mappings = Map.copyOf(mappings);
  }

  /** Starts a registry that already maps {@link ProblemException} to its problem. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the registry with only the built-in {@link ProblemException} mapping. */
  public static ExceptionMappings defaults() {
    return builder().build();
  }

  /**
   * Returns the problem for {@code exception}, or {@code null} when no registered class matches it
   * (after unwrapping {@code ServletException}).
   */
  @SuppressWarnings("unchecked")
  public @Nullable Problem toProblem(Throwable exception, HttpServletRequest request) {
    Objects.requireNonNull(exception, "exception must not be null");
    Throwable target = unwrap(exception);
    for (Class<?> type = target.getClass(); type != null; type = type.getSuperclass()) {
      ExceptionMapping<?> mapping = mappings.get(type);
      if (mapping != null) {
        // Safe: the mapping was registered for this class or one of its superclasses.
        return ((ExceptionMapping<Throwable>) mapping).toProblem(target, request);
      }
    }
    return null;
  }

  private Throwable unwrap(Throwable exception) {
    Throwable current = exception;
    for (int i = 0; i < MAX_UNWRAP; i++) {
      if (!(current instanceof ServletException) || current.getCause() == null
          || isServletExceptionMapped(current.getClass())) {
        return current;
      }
      current = current.getCause();
    }
    return current;
  }

  private boolean isServletExceptionMapped(Class<?> type) {
    for (Class<?> c = type; c != null && ServletException.class.isAssignableFrom(c);
        c = c.getSuperclass()) {
      if (mappings.containsKey(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Collects mappings for an {@link ExceptionMappings}. Registering the same class again replaces the
   * earlier mapping, including the built-in one for {@link ProblemException}. Not thread-safe.
   */
  public static final class Builder {

    private final Map<Class<?>, ExceptionMapping<?>> mappings = new LinkedHashMap<>();

    private Builder() {
      map(ProblemException.class, (exception, request) -> exception.problem());
    }

    /**
     * Maps exceptions of {@code type} and its subclasses (unless a subclass has its own mapping).
     *
     * @throws NullPointerException if an argument is {@code null}
     */
    public <T extends Throwable> Builder map(Class<T> type, ExceptionMapping<? super T> mapping) {
      Objects.requireNonNull(type, "type must not be null");
      Objects.requireNonNull(mapping, "mapping must not be null for " + type.getName());
      mappings.put(type, mapping);
      return this;
    }

    /** Returns the immutable registry. The builder may be reused afterwards. */
    public ExceptionMappings build() {
      return new ExceptionMappings(mappings);
    }
  }
}
