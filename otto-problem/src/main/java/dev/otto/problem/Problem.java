package dev.otto.problem;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An immutable RFC 9457 problem detail: what went wrong with a request, in a form clients can parse.
 *
 * <pre>{@code
 * Problem problem = Problem.builder(422)
 *     .type("https://example.com/problems/invalid-order")
 *     .title("Invalid order")
 *     .detail("The order has 2 invalid fields")
 *     .error("must be positive", "#/amount")
 *     .error("must not be blank", "#/currency")
 *     .extension("orderId", "42")
 *     .build();
 *
 * Problem notFound = Problem.of(404); // type about:blank, title "Not Found"
 * }</pre>
 *
 * <p>The {@code type} defaults to {@code about:blank} and the {@code title} to the HTTP reason phrase of
 * the status. Extension members keep their insertion order and hold only JSON-like values (strings,
 * numbers, booleans, {@code null}, lists and string-keyed maps of those), deep-copied on the way in, so a
 * problem is immutable and safe to share between threads. Its JSON form is produced by
 * {@link ProblemJsonWriter}.
 */
public final class Problem {

  /** The default problem type: the problem has no semantics beyond its HTTP status. */
  static final URI ABOUT_BLANK = URI.create("about:blank");

  private static final Set<String> RESERVED =
      Set.of("type", "title", "status", "detail", "instance", "errors");

  /** Bounds the deep copy of extension values, which also stops self-containing collections. */
  private static final int MAX_NESTING = 32;

  private final URI type;
  private final String title;
  private final int status;
  private final @Nullable String detail;
  private final @Nullable String instance;
  private final List<Violation> errors;
  private final Map<String, @Nullable Object> extensions;

  private Problem(Builder builder) {
    this.type = builder.type;
    this.status = builder.status;
    this.title = builder.title != null ? builder.title : ReasonPhrases.of(builder.status);
    this.detail = builder.detail;
    this.instance = builder.instance;
    this.errors = List.copyOf(builder.errors);
    this.extensions = Collections.unmodifiableMap(new LinkedHashMap<>(builder.extensions));
  }

  /**
   * Starts a problem with the given HTTP status.
   *
   * @throws IllegalArgumentException if {@code status} is not between 100 and 599
   */
  public static Builder builder(int status) {
    return new Builder(status);
  }

  /**
   * Returns the plain problem for an HTTP status: type {@code about:blank}, the standard reason phrase as
   * title, nothing else.
   *
   * @throws IllegalArgumentException if {@code status} is not between 100 and 599
   */
  public static Problem of(int status) {
    return new Builder(status).build();
  }

  /** Returns a builder that starts with every member of this problem, to derive a changed copy. */
  public Builder toBuilder() {
    Builder builder = new Builder(status);
    builder.type = type;
    builder.title = title;
    builder.detail = detail;
    builder.instance = instance;
    builder.errors = new ArrayList<>(errors);
    builder.extensions.putAll(extensions);
    return builder;
  }

  /** Returns the problem type, {@code about:blank} unless set. */
  public URI type() {
    return type;
  }

  /** Returns the short summary of the problem type, by default the reason phrase of the status. */
  public String title() {
    return title;
  }

  /** Returns the HTTP status code, between 100 and 599. */
  public int status() {
    return status;
  }

  /** Returns the explanation of this occurrence, or {@code null} when there is none. */
  public @Nullable String detail() {
    return detail;
  }

  /** Returns the URI reference of this occurrence (usually the request path), or {@code null}. */
  public @Nullable String instance() {
    return instance;
  }

  /** Returns the validation failures, in the order added; empty when there are none. */
  public List<Violation> errors() {
    return errors;
  }

  /** Returns the extension members as an unmodifiable map in insertion order. */
  public Map<String, @Nullable Object> extensions() {
    return extensions;
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof Problem that
        && status == that.status
        && type.equals(that.type)
        && title.equals(that.title)
        && Objects.equals(detail, that.detail)
        && Objects.equals(instance, that.instance)
        && errors.equals(that.errors)
        && extensions.equals(that.extensions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, title, status, detail, instance, errors, extensions);
  }

  @Override
  public String toString() {
    return "Problem[type=" + type + ", title=" + title + ", status=" + status + ", detail=" + detail
        + ", instance=" + instance + ", errors=" + errors + ", extensions=" + extensions + "]";
  }

  /**
   * Builds a {@link Problem}. Each setter validates its argument at once and names the bad value. A
   * builder is not thread-safe; the problem it builds is.
   */
  public static final class Builder {

    private final int status;
    private URI type = ABOUT_BLANK;
    private @Nullable String title;
    private @Nullable String detail;
    private @Nullable String instance;
    private List<Violation> errors = new ArrayList<>();
    private final Map<String, @Nullable Object> extensions = new LinkedHashMap<>();

    private Builder(int status) {
      if (status < 100 || status > 599) {
        throw new IllegalArgumentException("status must be between 100 and 599: " + status);
      }
      this.status = status;
    }

    /** Sets the problem type, a URI identifying the kind of problem. Defaults to {@code about:blank}. */
    public Builder type(URI type) {
      this.type = Objects.requireNonNull(type, "type must not be null");
      return this;
    }

    /**
     * Sets the problem type from a URI string.
     *
     * @throws IllegalArgumentException if {@code type} is not a valid URI
     */
    public Builder type(String type) {
      Objects.requireNonNull(type, "type must not be null");
      try {
        this.type = new URI(type);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("type must be a valid URI: '" + type + "'", e);
      }
      return this;
    }

    /**
     * Sets the title, a short summary that does not change between occurrences of the problem type.
     * Defaults to the reason phrase of the status.
     *
     * @throws IllegalArgumentException if {@code title} is blank
     */
    public Builder title(String title) {
      Objects.requireNonNull(title, "title must not be null");
      if (title.isBlank()) {
        throw new IllegalArgumentException("title must not be blank: '" + title + "'");
      }
      this.title = title;
      return this;
    }

    /** Sets the explanation of this occurrence, shown to the client; {@code null} removes it. */
    public Builder detail(@Nullable String detail) {
      this.detail = detail;
      return this;
    }

    /** Sets the URI reference of this occurrence; {@code null} removes it. */
    public Builder instance(@Nullable String instance) {
      this.instance = instance;
      return this;
    }

    /**
     * Adds or replaces an extension member. Values may be {@code null}, a {@link String}, a
     * {@link Boolean}, a number ({@code Byte}, {@code Short}, {@code Integer}, {@code Long},
     * {@code BigInteger}, {@code BigDecimal}, or a finite {@code Float} or {@code Double}), a
     * {@link Collection} or a {@code Map} with {@code String} keys of such values; collections and maps
     * are copied, so later changes to them do not affect the problem.
     *
     * @throws IllegalArgumentException if {@code name} is blank or one of the standard members
     *     ({@code type}, {@code title}, {@code status}, {@code detail}, {@code instance},
     *     {@code errors}), or if the value, or something inside it, has another type
     */
    public Builder extension(String name, @Nullable Object value) {
      Objects.requireNonNull(name, "extension name must not be null");
      if (name.isBlank()) {
        throw new IllegalArgumentException("extension name must not be blank: '" + name + "'");
      }
      if (RESERVED.contains(name)) {
        throw new IllegalArgumentException("extension name must not be a standard problem member: '"
            + name + "'; set it with its own builder method");
      }
      extensions.put(name, copyValue(name, value, 0));
      return this;
    }

    /** Adds one validation failure; {@code pointer} may be {@code null}. */
    public Builder error(String detail, @Nullable String pointer) {
      errors.add(new Violation(detail, pointer));
      return this;
    }

    /**
     * Replaces the validation failures with {@code errors}, in iteration order.
     *
     * @throws NullPointerException if {@code errors} is or contains {@code null}
     */
    public Builder errors(Collection<Violation> errors) {
      Objects.requireNonNull(errors, "errors must not be null");
      List<Violation> copy = new ArrayList<>(errors.size());
      for (Violation violation : errors) {
        copy.add(Objects.requireNonNull(violation, "errors must not contain null"));
      }
      this.errors = copy;
      return this;
    }

    /** Returns the problem. The builder may be reused afterwards. */
    public Problem build() {
      return new Problem(this);
    }

    private static @Nullable Object copyValue(String name, @Nullable Object value, int depth) {
      if (depth > MAX_NESTING) {
        throw new IllegalArgumentException(
            "extension '" + name + "' nests deeper than " + MAX_NESTING + " levels");
      }
      if (value == null || value instanceof String || value instanceof Boolean) {
        return value;
      }
      if (value instanceof Integer || value instanceof Long || value instanceof Short
          || value instanceof Byte || value instanceof BigInteger || value instanceof BigDecimal) {
        return value;
      }
      if (value instanceof Double || value instanceof Float) {
        double number = ((Number) value).doubleValue();
        if (Double.isNaN(number) || Double.isInfinite(number)) {
          throw new IllegalArgumentException(
              "extension '" + name + "' must be a finite number for JSON: " + value);
        }
        return value;
      }
      if (value instanceof Collection<?> collection) {
        List<@Nullable Object> copy = new ArrayList<>(collection.size());
        for (Object element : collection) {
          copy.add(copyValue(name, element, depth + 1));
        }
        return Collections.unmodifiableList(copy);
      }
      if (value instanceof Map<?, ?> map) {
        Map<String, @Nullable Object> copy = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
          if (!(entry.getKey() instanceof String key)) {
            throw new IllegalArgumentException("extension '" + name
                + "' must only contain maps with String keys, found key type "
                + (entry.getKey() == null ? "null" : entry.getKey().getClass().getName()));
          }
          copy.put(key, copyValue(name, entry.getValue(), depth + 1));
        }
        return Collections.unmodifiableMap(copy);
      }
      throw new IllegalArgumentException("extension '" + name + "' has unsupported value type "
          + value.getClass().getName() + "; use a String, Number, Boolean, null, Collection or Map");
    }
  }
}
