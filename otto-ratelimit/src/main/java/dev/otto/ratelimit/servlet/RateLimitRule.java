package dev.otto.ratelimit.servlet;

import dev.otto.core.servlet.PathPattern;
import dev.otto.ratelimit.RateLimitPolicy;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Which requests a {@link RateLimitPolicy} applies to, and whom they count against.
 *
 * <pre>{@code
 * RateLimitRule greeting = RateLimitRule.builder()
 *     .policy(RateLimitPolicy.of("greeting", 10, Duration.ofSeconds(10)))
 *     .path("/api/greeting")
 *     .methods("GET")
 *     .key(KeyResolver.firstOf(KeyResolver.header("X-Api-Key"), KeyResolver.clientIp(clientIp)))
 *     .build();
 * }</pre>
 *
 * <h2>Matching</h2>
 * A request matches when its method is one of {@link Builder#methods methods} (all by default) and its
 * path matches one of the {@link Builder#path path} patterns ({@code /**} by default). The path is the
 * request's path within the application as the container mapped it: {@code getServletPath()} followed by
 * {@code getPathInfo()}, which the Servlet 6 container has already decoded and canonicalised (path
 * parameters such as {@code ;jsessionid=…} removed, {@code %xx} decoded, {@code .} and {@code ..}
 * segments resolved). The rule does no decoding or normalisation of its own, so it sees exactly the path
 * that selected the servlet, and {@code /api/%67reeting} or {@code /api/greeting;x} cannot slip past a rule
 * for {@code /api/greeting}. Patterns are literal and case-sensitive:
 * <ul>
 *   <li>{@code /api/greeting} matches that path only (not {@code /api/greeting/});
 *   <li>{@code /api/**} matches {@code /api} and every path below it;
 *   <li>{@code *} matches exactly one non-empty segment, as in {@code /api/*}{@code /items}.
 * </ul>
 * Methods are compared ignoring case, and a rule for {@code GET} also matches {@code HEAD}, which servlets
 * answer with the {@code GET} handler. A rule without methods does not match a CORS preflight (an
 * {@code OPTIONS} request carrying both {@code Origin} and {@code Access-Control-Request-Method}, as the
 * Fetch standard sends it): the browser sends one on its own before a cross-origin request, so charging it
 * would spend the quota twice for one call, and a {@code 429} to it lacks the CORS header fields, so the
 * browser would report a CORS error instead of the limit. A rule that lists {@code OPTIONS} matches
 * preflights too; an {@code OPTIONS} request without those two fields is matched like any other method.
 * Any client can send those two fields, so a servlet that does real work on {@code OPTIONS} should list it
 * (Spring MVC answers preflights itself, without calling handlers).
 *
 * <h2>Policies shared between rules</h2>
 * Several rules may check one policy, for example with different paths or keys; they then share its state
 * for equal keys, and a response lists the policy once. The policy's name is what identifies it, so rules
 * whose policies have the same name must have the same limits too: {@link RateLimitFilter.Builder#build()}
 * refuses to build a filter from rules that break this.
 *
 * <h2>Shadow mode</h2>
 * A {@link Builder#shadow(boolean) shadow} rule is decided and reported to the
 * {@link dev.otto.ratelimit.RateLimitListener listeners} and the log, but never rejects and never adds
 * header fields: observing a policy must not change any response.
 *
 * <p>Immutable and thread-safe.
 */
public final class RateLimitRule {

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private final RateLimitPolicy policy;
  private final List<PathPattern> paths;
  private final Set<String> methods;
  private final KeyResolver key;
  private final MissingKey missingKey;
  private final boolean shadow;
  private final PolicyHeaders headers;

  private RateLimitRule(Builder builder, RateLimitPolicy policy, KeyResolver key) {
    this.policy = policy;
    this.paths = builder.paths.isEmpty() ? List.of(PathPattern.compile("/**")) : List.copyOf(builder.paths);
    this.methods = Set.copyOf(builder.methods);
    this.key = key;
    this.missingKey = builder.missingKey;
    this.shadow = builder.shadow;
    this.headers = new PolicyHeaders(policy);
  }

  /**
   * Starts a rule. {@link Builder#policy policy} and {@link Builder#key key} are required.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the policy this rule checks.
   *
   * @return the policy
   */
  public RateLimitPolicy policy() {
    return policy;
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
   * Returns the methods this rule applies to, upper case.
   *
   * @return an unmodifiable set; empty means every method, except that CORS preflights do not match
   */
  public Set<String> methods() {
    return methods;
  }

  /**
   * Returns the key resolver.
   *
   * @return the resolver
   */
  public KeyResolver key() {
    return key;
  }

  /**
   * Returns what happens to a request without a key.
   *
   * @return the missing-key behaviour
   */
  public MissingKey missingKey() {
    return missingKey;
  }

  /**
   * Returns whether the rule only observes.
   *
   * @return {@code true} for a shadow rule, which never rejects and adds no header fields
   */
  public boolean shadow() {
    return shadow;
  }

  PolicyHeaders headers() {
    return headers;
  }

  /**
   * Returns whether a request with this method and path (within the application) is subject to the rule.
   *
   * @param corsPreflight whether the request is a CORS preflight, as {@link #isCorsPreflight} tells
   */
  boolean matches(String method, String path, boolean corsPreflight) {
    return matchesMethod(method, corsPreflight) && matchesPath(path);
  }

  /**
   * Returns whether the request is a CORS preflight: {@code OPTIONS} (exactly, as the Fetch standard sends
   * it and Spring's {@code CorsUtils} tests it) with both {@code Origin} and
   * {@code Access-Control-Request-Method}.
   */
  static boolean isCorsPreflight(HttpServletRequest request) {
    return "OPTIONS".equals(request.getMethod())
        && request.getHeader("Origin") != null
        && request.getHeader("Access-Control-Request-Method") != null;
  }

  private boolean matchesMethod(String method, boolean corsPreflight) {
    if (methods.isEmpty()) {
      // "Every method" means the application's requests, not the preflights the browser adds (see class).
      return !corsPreflight;
    }
    for (String candidate : methods) {
      if (candidate.equalsIgnoreCase(method)
          || (candidate.equals("GET") && method.equalsIgnoreCase("HEAD"))) {
        return true;
      }
    }
    return false;
  }

  private boolean matchesPath(String path) {
    for (PathPattern pattern : paths) {
      if (pattern.matches(path)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "RateLimitRule[policy=" + policy.name() + ", paths=" + paths + ", methods="
        + (methods.isEmpty() ? "*" : methods) + ", key=" + key + ", missingKey=" + missingKey
        + ", shadow=" + shadow + "]";
  }

  /**
   * Configures a {@link RateLimitRule}. Each method validates its argument at once and names a bad value.
   * Not thread-safe; the rule it builds is.
   */
  public static final class Builder {

    private @Nullable RateLimitPolicy policy;
    private final List<PathPattern> paths = new ArrayList<>();
    private final Set<String> methods = new LinkedHashSet<>();
    private @Nullable KeyResolver key;
    private MissingKey missingKey = MissingKey.SKIP;
    private boolean shadow;

    private Builder() {
    }

    /**
     * Sets the policy to check. Required.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder policy(RateLimitPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Adds a path pattern; a request matching any of them is subject to the rule. Without any, the rule
     * applies to every path ({@code /**}). See the class documentation for the syntax.
     *
     * @param pattern for example {@code /api/greeting}, {@code /api/**} or {@code /api/*}{@code /items}
     * @return this builder
     * @throws IllegalArgumentException naming the pattern when it is not valid
     */
    public Builder path(String pattern) {
      paths.add(PathPattern.compile(pattern));
      return this;
    }

    /**
     * Adds HTTP methods the rule applies to. Without any, it applies to every method but does not match CORS
     * preflights; list {@code OPTIONS} to limit those too (see the class documentation).
     *
     * @param methods method names such as {@code GET} or {@code POST}, in any case
     * @return this builder
     * @throws IllegalArgumentException naming a value that is not a valid method name
     */
    public Builder methods(String... methods) {
      Objects.requireNonNull(methods, "methods");
      List<String> valid = new ArrayList<>(methods.length);
      for (String method : methods) {
        Objects.requireNonNull(method, "method must not be null");
        if (!TOKEN.matcher(method).matches()) {
          throw new IllegalArgumentException("method must be an HTTP method name such as GET: '" + method + "'");
        }
        valid.add(method.toUpperCase(Locale.ROOT));
      }
      this.methods.addAll(valid);
      return this;
    }

    /**
     * Sets how a request's key is found. Required.
     *
     * @param key the resolver, for example {@link KeyResolver#clientIp(ClientIpResolver)}
     * @return this builder
     */
    public Builder key(KeyResolver key) {
      this.key = Objects.requireNonNull(key, "key");
      return this;
    }

    /**
     * Sets what happens to a request whose key resolver finds no key. Default {@link MissingKey#SKIP}.
     *
     * @param missingKey the behaviour
     * @return this builder
     */
    public Builder missingKey(MissingKey missingKey) {
      this.missingKey = Objects.requireNonNull(missingKey, "missingKey");
      return this;
    }

    /**
     * Sets whether the rule only observes: decided, reported and logged, but never rejecting and adding no
     * header fields. Default {@code false}.
     *
     * @param shadow {@code true} for observe-only
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
     * @throws IllegalStateException when the policy or the key resolver is missing
     */
    public RateLimitRule build() {
      if (policy == null) {
        throw new IllegalStateException("a rate-limit rule needs a policy; call policy(RateLimitPolicy)");
      }
      if (key == null) {
        throw new IllegalStateException("rate-limit rule for policy '" + policy.name()
            + "' needs a key resolver; call key(KeyResolver), for example KeyResolver.clientIp(...)");
      }
      return new RateLimitRule(this, policy, key);
    }
  }
}
