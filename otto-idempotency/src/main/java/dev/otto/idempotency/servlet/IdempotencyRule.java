package dev.otto.idempotency.servlet;

import dev.otto.core.servlet.PathPattern;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which requests the {@link IdempotencyFilter} makes idempotent, and where their key is.
 *
 * <pre>{@code
 * IdempotencyRule payments = IdempotencyRule.builder()
 *     .path("/api/payments")
 *     .build();                                    // POST and PATCH, key in Idempotency-Key, required
 * IdempotencyRule twilio = IdempotencyRule.builder()
 *     .path("/webhooks/twilio")
 *     .methods("POST")
 *     .keyHeader("I-Twilio-Idempotency-Token")
 *     .build();
 * }</pre>
 *
 * <h2>Matching</h2>
 * A request matches when its method is one of {@link Builder#methods methods} ({@code POST} and
 * {@code PATCH} by default) and its path within the application ({@code getServletPath()} followed by
 * {@code getPathInfo()}, decoded and normalised by the container, exactly as the rate limiter's rules see
 * it) matches one of the {@link Builder#path path} patterns: an exact path ({@code /api/payments}), a
 * prefix ({@code /api/**}, including {@code /api}) or single-segment wildcards ({@code /api/*}{@code /refunds}).
 * Patterns are literal and case-sensitive; methods are compared ignoring case. The filter applies the first
 * matching rule only.
 *
 * <h2>Keys</h2>
 * The key comes from the {@link Builder#keyHeader header} {@code Idempotency-Key} by default, or from any
 * {@link KeyExtractor}. A {@link Builder#required required} key (the default) that is missing is answered
 * {@code 400}; without {@code required}, a request without key passes un-deduplicated. A key that is
 * present but not 1 to 255 visible ASCII characters is always answered {@code 400}.
 *
 * <h2>Shadow mode</h2>
 * A {@link Builder#shadow shadow} rule claims, compares and stores like an enforcing one and tells the
 * listeners what enforcement would have done, but never answers in the handler's place: every request runs.
 * See {@link IdempotencyFilter}.
 *
 * <p>Immutable and thread-safe.
 */
public final class IdempotencyRule {

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private final List<PathPattern> paths;
  private final Set<String> methods;
  private final KeyExtractor key;
  private final boolean required;
  private final List<String> fingerprintHeaders;
  private final boolean shadow;

  private IdempotencyRule(Builder builder) {
    this.paths = List.copyOf(builder.paths);
    this.methods = Set.copyOf(builder.methods != null ? builder.methods : Set.of("POST", "PATCH"));
    this.key = builder.key;
    this.required = builder.required;
    this.fingerprintHeaders = List.copyOf(builder.fingerprintHeaders);
    this.shadow = builder.shadow;
  }

  /**
   * Starts a rule. At least one {@link Builder#path path} is required.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the path patterns, in the order added.
   *
   * @return an unmodifiable, non-empty list
   */
  public List<String> paths() {
    List<String> patterns = new ArrayList<>(paths.size());
    for (PathPattern path : paths) {
      patterns.add(path.toString());
    }
    return List.copyOf(patterns);
  }

  /**
   * Returns the methods the rule applies to, upper case.
   *
   * @return an unmodifiable, non-empty set
   */
  public Set<String> methods() {
    return methods;
  }

  /**
   * Returns how the key is found.
   *
   * @return the extractor
   */
  public KeyExtractor key() {
    return key;
  }

  /**
   * Returns whether a request without key is answered {@code 400}.
   *
   * @return {@code true} when the key is required
   */
  public boolean required() {
    return required;
  }

  /**
   * Returns the request headers that are part of the fingerprint besides method, path, query and body.
   *
   * @return an unmodifiable list, possibly empty
   */
  public List<String> fingerprintHeaders() {
    return fingerprintHeaders;
  }

  /**
   * Returns whether the rule only observes.
   *
   * @return {@code true} for a shadow rule, whose requests always run
   */
  public boolean shadow() {
    return shadow;
  }

  /** Returns whether a request with this method and path (within the application) is subject to the rule. */
  boolean matches(String method, String path) {
    boolean methodMatches = false;
    for (String candidate : methods) {
      if (candidate.equalsIgnoreCase(method)) {
        methodMatches = true;
        break;
      }
    }
    if (!methodMatches) {
      return false;
    }
    for (PathPattern pattern : paths) {
      if (pattern.matches(path)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "IdempotencyRule[paths=" + paths + ", methods=" + methods + ", key=" + key + ", required=" + required
        + ", fingerprintHeaders=" + fingerprintHeaders + ", shadow=" + shadow + "]";
  }

  /**
   * Configures an {@link IdempotencyRule}. Each method validates its argument at once and names a bad
   * value. Not thread-safe; the rule it builds is.
   */
  public static final class Builder {

    private final List<PathPattern> paths = new ArrayList<>();
    private @Nullable Set<String> methods;
    private KeyExtractor key = KeyExtractor.header("Idempotency-Key");
    private boolean required = true;
    private final List<String> fingerprintHeaders = new ArrayList<>();
    private boolean shadow;

    private Builder() {
    }

    /**
     * Adds a path pattern; a request matching any of them is subject to the rule. At least one is
     * required.
     *
     * @param pattern for example {@code /api/payments}, {@code /api/**} or {@code /api/*}{@code /refunds}
     * @return this builder
     * @throws IllegalArgumentException naming the pattern when it is not valid
     */
    public Builder path(String pattern) {
      paths.add(PathPattern.compile(pattern));
      return this;
    }

    /**
     * Sets the HTTP methods the rule applies to, replacing the default {@code POST} and {@code PATCH}.
     * Safe methods ({@code GET}, {@code HEAD}) are idempotent already and rarely belong here.
     *
     * @param methods one or more method names such as {@code POST} or {@code PUT}, in any case
     * @return this builder
     * @throws IllegalArgumentException naming a value that is not a method name, or when none is given
     */
    public Builder methods(String... methods) {
      Objects.requireNonNull(methods, "methods");
      if (methods.length == 0) {
        throw new IllegalArgumentException("methods must name at least one HTTP method such as POST");
      }
      Set<String> valid = new LinkedHashSet<>();
      for (String method : methods) {
        Objects.requireNonNull(method, "method must not be null");
        if (!TOKEN.matcher(method).matches()) {
          throw new IllegalArgumentException("method must be an HTTP method name such as POST: '" + method + "'");
        }
        valid.add(method.toUpperCase(Locale.ROOT));
      }
      this.methods = valid;
      return this;
    }

    /**
     * Reads the key from this request header instead of {@code Idempotency-Key}. Same as
     * {@code key(KeyExtractor.header(name))}.
     *
     * @param name a header name such as {@code I-Twilio-Idempotency-Token}
     * @return this builder
     * @throws IllegalArgumentException naming the value when it is not a header name
     */
    public Builder keyHeader(String name) {
      this.key = KeyExtractor.header(name);
      return this;
    }

    /**
     * Finds the key with {@code extractor}. Default: the header {@code Idempotency-Key}.
     *
     * @param extractor the extractor
     * @return this builder
     */
    public Builder key(KeyExtractor extractor) {
      this.key = Objects.requireNonNull(extractor, "key");
      return this;
    }

    /**
     * Sets whether a request without key is answered {@code 400} (default {@code true}) or passes
     * un-deduplicated ({@code false}).
     *
     * @param required whether the key is required
     * @return this builder
     */
    public Builder required(boolean required) {
      this.required = required;
      return this;
    }

    /**
     * Adds request headers to the fingerprint, so the same key with another value of these headers is a
     * mismatch ({@code 422}). Method, path, query string and body are always part of it.
     *
     * @param names header names such as {@code Content-Type}
     * @return this builder
     * @throws IllegalArgumentException naming a value that is not a header name
     */
    public Builder fingerprintHeaders(String... names) {
      Objects.requireNonNull(names, "fingerprintHeaders");
      List<String> valid = new ArrayList<>(names.length);
      for (String name : names) {
        valid.add(HeaderNames.requireValid("fingerprint header", name));
      }
      fingerprintHeaders.addAll(valid);
      return this;
    }

    /**
     * Sets whether the rule only observes (default {@code false}). See the class documentation.
     *
     * @param shadow {@code true} to observe without ever answering in the handler's place
     * @return this builder
     */
    public Builder shadow(boolean shadow) {
      this.shadow = shadow;
      return this;
    }

    /**
     * Creates the rule.
     *
     * @return the immutable rule
     * @throws IllegalStateException when no path was added
     */
    public IdempotencyRule build() {
      if (paths.isEmpty()) {
        throw new IllegalStateException("IdempotencyRule needs at least one path; call path(\"/api/payments\")");
      }
      return new IdempotencyRule(this);
    }
  }
}
