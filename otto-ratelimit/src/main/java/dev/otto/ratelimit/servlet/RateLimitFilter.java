package dev.otto.ratelimit.servlet;

import dev.otto.core.servlet.PathPattern;
import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ProblemResponseWriter;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitListener;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rate-limits HTTP requests: checks each request against the {@link RateLimitRule rules} it matches,
 * writes the {@code RateLimit-Policy} and {@code RateLimit} header fields, and answers {@code 429} when a
 * limit is exceeded.
 *
 * <pre>{@code
 * ClientIpResolver clientIp = ClientIpResolver.builder().trustedProxies("127.0.0.0/8", "::1").build();
 * RateLimitFilter filter = RateLimitFilter.builder()
 *     .limiter(LocalRateLimiter.builder().build())
 *     .rule(RateLimitRule.builder()
 *         .policy(RateLimitPolicy.of("greeting", 10, Duration.ofSeconds(10)))
 *         .path("/api/greeting")
 *         .key(KeyResolver.firstOf(KeyResolver.header("X-Api-Key"), KeyResolver.clientIp(clientIp)))
 *         .build())
 *     .build();
 * servletContext.addFilter("rateLimit", filter).addMappingForUrlPatterns(null, false, "/*");
 * }</pre>
 *
 * <h2>Per request</h2>
 * Only the initial ({@link DispatcherType#REQUEST REQUEST}) dispatch is limited; forwards, includes, error
 * and async dispatches of the same request pass, so a request is charged once. A CORS preflight (an
 * {@code OPTIONS} request with {@code Origin} and {@code Access-Control-Request-Method}) is charged only by
 * rules that list {@code OPTIONS} among their methods, so a rule for every method leaves it alone: the
 * browser's preflight does not spend the quota of the request it announces, nor get a {@code 429} without
 * CORS header fields that the browser would report as a CORS error (see {@link RateLimitRule}). Every
 * matching rule is checked, each with its own key and decision, in the order the rules were added:
 * <ol>
 *   <li>First every matching rule's key is resolved. An unusable key ({@link InvalidRateLimitKeyException})
 *       or a missing key under {@link MissingKey#REJECT} answers {@code 400} before any limit is charged.
 *   <li>Then the limiter decides each rule. An enforcing rule that rejects ends the checks (later rules are
 *       not charged for a request that is not served; earlier ones have been) and the request is answered
 *       {@code 429} without calling the rest of the chain.
 *   <li>Otherwise the chain runs, with the header fields already set so they survive however the
 *       application commits the response.
 * </ol>
 *
 * <h2>Responses</h2>
 * Every response subject to an enforcing rule carries, per draft-ietf-httpapi-ratelimit-headers-11,
 * {@code RateLimit-Policy: "greeting";q=10;w=10} (the quota and the window in seconds of each limit of
 * each checked policy; see the naming of several limits below) and {@code RateLimit: "greeting";r=7;t=4}
 * (for each checked policy, the requests remaining and the seconds until full of the limit that decided).
 * A policy with several limits lists each: the first (shortest period) under the policy's name, the others
 * as {@code "name#2"}, {@code "name#3"}, …. The limits advertised are those the limiter applied
 * ({@link RateLimiter#appliedPolicy}): a fallback limiter's degraded policy while Redis is unreachable.
 * Header values are made only from policy names and numbers, never from request input.
 *
 * <p>A rejection is an RFC 9457 problem written by the {@link ProblemResponseWriter}: status {@code 429},
 * type {@code https://otto.dev/problems/rate-limited}, title {@code Too Many Requests}, detail
 * {@code Rate limit "greeting" exceeded; retry in 4 seconds.}, extensions {@code policy} and
 * {@code retryAfter}, and the header {@code Retry-After} in whole seconds (at least 1). The {@code 400}
 * answers use the types {@code https://otto.dev/problems/invalid-rate-limit-key} and
 * {@code https://otto.dev/problems/missing-rate-limit-key} and never repeat the key.
 *
 * <h2>Shadow rules</h2>
 * A shadow rule is decided and reported to the listeners ({@code shadow = true}) and a would-be rejection
 * is logged at DEBUG, but it never rejects, never answers {@code 400} and adds no header fields: observing
 * a policy must not change a single response.
 *
 * <h2>Run-time switches</h2>
 * Two suppliers, typically backed by an operator's switch, are read once at the start of each request
 * and govern it to the end, so flipping them never breaks a request already running:
 * <ul>
 *   <li>{@link Builder#enabled(BooleanSupplier) enabled}: while {@code false}, requests pass straight
 *       through; no key is resolved, no limit charged, no header field written, no listener called;
 *   <li>{@link Builder#shadow(BooleanSupplier) shadow}: while {@code true}, every rule behaves as a shadow
 *       rule for that request (decided, reported with {@code shadow = true}, never rejecting, no header
 *       fields), to watch what the limits would do before enforcing them, or to stop enforcing without
 *       losing the metrics.
 * </ul>
 *
 * <h2>Failure</h2>
 * The limiter never causes a {@code 5xx}. If it throws (a {@link dev.otto.ratelimit.RateLimiterUnavailableException}
 * from a Redis limiter, or any other runtime exception), the request passes without that limit and without
 * its header fields; the first failure is logged at WARN and later ones at DEBUG until the limiter decides
 * again, which is logged at INFO. To keep limiting while Redis is down, give the filter a
 * {@code FallbackRateLimiter}, which decides locally instead of throwing. A key resolver that throws
 * anything but {@link InvalidRateLimitKeyException} is logged at WARN and its rule skipped. Listener
 * exceptions are logged and ignored.
 *
 * <p>Threading: immutable configuration, thread-safe; the limiter, resolvers and listeners are called on
 * the request thread. The filter owns nothing: {@link #destroy()} does not close the limiter.
 */
public final class RateLimitFilter implements Filter {

  private static final Logger log = LoggerFactory.getLogger(RateLimitFilter.class);

  static final String RATE_LIMITED_TYPE = "https://otto.dev/problems/rate-limited";
  static final String INVALID_KEY_TYPE = "https://otto.dev/problems/invalid-rate-limit-key";
  static final String MISSING_KEY_TYPE = "https://otto.dev/problems/missing-rate-limit-key";

  /** The bucket all keyless requests share under {@link MissingKey#SHARED}. */
  static final String SHARED_KEY = "-";

  /**
   * Most policies applied instead of rules' whose header items are kept: a limiter returns one per rule
   * policy (a fallback's degraded policies), so this bounds only one that makes new ones at will.
   */
  private static final int MAX_APPLIED_POLICIES = 256;

  private final RateLimiter limiter;
  private final RateLimitRule[] rules;
  private final ProblemResponseWriter responseWriter;
  private final RateLimitListener[] listeners;
  private final AtomicBoolean limiterFailing = new AtomicBoolean();
  /** Header items of the policies the limiter applied instead of a rule's, built once each. */
  private final ConcurrentHashMap<RateLimitPolicy, PolicyHeaders> appliedHeaders = new ConcurrentHashMap<>();
  private final @Nullable BooleanSupplier enabled;
  private final @Nullable BooleanSupplier shadow;

  private RateLimitFilter(Builder builder, RateLimiter limiter) {
    this.limiter = limiter;
    this.rules = builder.rules.toArray(new RateLimitRule[0]);
    this.enabled = builder.enabled;
    this.shadow = builder.shadow;
    this.responseWriter = builder.responseWriter != null ? builder.responseWriter : ProblemResponseWriter.create();
    this.listeners = builder.listeners.toArray(new RateLimitListener[0]);
  }

  /**
   * Starts a filter configuration. {@link Builder#limiter limiter} and at least one
   * {@link Builder#rule rule} are required.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Limits the request as described on the class.
   *
   * @throws IOException when writing a problem fails (typically the client went away), or as thrown by the
   *     chain
   * @throws ServletException as thrown by the chain
   */
  @Override
  public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
      throws IOException, ServletException {
    if ((enabled != null && !enabled.getAsBoolean())
        || !(servletRequest instanceof HttpServletRequest request)
        || !(servletResponse instanceof HttpServletResponse response)
        || request.getDispatcherType() != DispatcherType.REQUEST) {
      chain.doFilter(servletRequest, servletResponse);
      return;
    }
    boolean allShadow = shadow != null && shadow.getAsBoolean();
    String method = request.getMethod();
    String path = PathPattern.pathWithinApplication(request);
    boolean corsPreflight = RateLimitRule.isCorsPreflight(request);
    RateLimitRule[] matched = null;
    String[] keys = null;
    int count = 0;
    for (RateLimitRule rule : rules) {
      if (!rule.matches(method, path, corsPreflight)) {
        continue;
      }
      String key;
      try {
        key = resolveKey(rule, request, allShadow || rule.shadow());
      } catch (InvalidRateLimitKeyException e) {
        writeKeyProblem(request, response, INVALID_KEY_TYPE, "Invalid rate-limit key",
            "The rate-limit key of this request cannot be used: keys are 1-256 visible ASCII characters, "
                + "sent once.");
        return;
      }
      if (key == null) {
        MissingKey missing = rule.missingKey();
        if (missing == MissingKey.SHARED) {
          key = SHARED_KEY;
        } else if (missing == MissingKey.REJECT && !allShadow && !rule.shadow()) {
          writeKeyProblem(request, response, MISSING_KEY_TYPE, "Missing rate-limit key",
              "Rate limit \"" + rule.policy().name() + "\" needs a key that this request does not carry.");
          return;
        } else {
          continue; // SKIP, or REJECT under a shadow rule, which must not change the response
        }
      }
      if (matched == null) {
        matched = new RateLimitRule[rules.length];
        keys = new String[rules.length];
      }
      matched[count] = rule;
      keys[count] = key;
      count++;
    }
    if (matched == null) {
      chain.doFilter(request, response);
      return;
    }
    HeaderCollector headers = new HeaderCollector(count);
    for (int i = 0; i < count; i++) {
      RateLimitRule rule = matched[i];
      boolean shadowRule = allShadow || rule.shadow();
      RateLimitDecision decision = decide(rule, keys[i], shadowRule);
      if (decision == null) {
        continue;
      }
      if (shadowRule) {
        if (!decision.allowed() && log.isDebugEnabled()) {
          log.debug("Shadow rate limit \"{}\" would have rejected a request (retry in {} s); it passes",
              rule.policy().name(), decision.retryAfterSeconds());
        }
        continue;
      }
      headers.add(headersFor(rule, decision), decision);
      if (!decision.allowed()) {
        headers.writeTo(response);
        reject(request, response, rule.policy(), decision);
        return;
      }
    }
    headers.writeTo(response);
    chain.doFilter(request, response);
  }

  /**
   * The header items of the policy the decision was made under: the rule's, or another the limiter applied
   * (a fallback's degraded policy while Redis is unreachable), so clients see the limits in force.
   */
  private PolicyHeaders headersFor(RateLimitRule rule, RateLimitDecision decision) {
    RateLimitPolicy policy = rule.policy();
    RateLimitPolicy applied;
    try {
      applied = limiter.appliedPolicy(policy, decision);
    } catch (RuntimeException e) {
      applied = null; // a limiter's bug must not fail the request; the limit that decided is still known
    }
    if (applied == null || !applied.name().equals(policy.name()) || !applied.limits().contains(decision.limit())) {
      // Not the policy that decided (a limiter wrapping a fallback without delegating, say): advertise the
      // rule's policy if the deciding limit is one of its own, else that limit alone.
      applied = policy.limits().contains(decision.limit())
          ? policy : RateLimitPolicy.builder(policy.name()).limit(decision.limit()).build();
    }
    if (applied == policy || applied.equals(policy)) {
      return rule.headers();
    }
    PolicyHeaders headers = appliedHeaders.get(applied);
    if (headers == null) {
      headers = new PolicyHeaders(applied);
      if (appliedHeaders.size() < MAX_APPLIED_POLICIES) {
        appliedHeaders.putIfAbsent(applied, headers);
      }
    }
    return headers;
  }

  /**
   * Resolves a rule's key: {@code null} when there is none (or the resolver failed).
   *
   * @throws InvalidRateLimitKeyException when an enforcing rule's key is unusable
   */
  private @Nullable String resolveKey(RateLimitRule rule, HttpServletRequest request, boolean shadowRule) {
    try {
      String key = rule.key().resolve(request);
      return key == null || key.isEmpty() ? null : key;
    } catch (InvalidRateLimitKeyException e) {
      if (log.isDebugEnabled()) {
        log.debug("Unusable rate-limit key for policy \"{}\": {}", rule.policy().name(), e.getMessage());
      }
      if (shadowRule) {
        return null; // a shadow rule must not change the response: it has no key for this request
      }
      throw e;
    } catch (RuntimeException e) {
      log.warn("Key resolver {} of rate limit \"{}\" failed; the rule does not limit this request",
          rule.key(), rule.policy().name(), e);
      return null;
    }
  }

  private @Nullable RateLimitDecision decide(RateLimitRule rule, String key, boolean shadowRule) {
    RateLimitPolicy policy = rule.policy();
    RateLimitDecision decision;
    try {
      decision = limiter.tryAcquire(key, policy);
    } catch (RuntimeException e) {
      if (limiterFailing.compareAndSet(false, true)) {
        log.warn("Rate limiter failed while checking policy \"{}\"; requests pass without this limit until "
            + "it decides again (use a FallbackRateLimiter to keep limiting locally when Redis fails)",
            policy.name(), e);
      } else {
        log.debug("Rate limiter still failing for policy \"{}\": {}", policy.name(), e.toString());
      }
      return null;
    }
    if (limiterFailing.get() && limiterFailing.compareAndSet(true, false)) {
      log.info("Rate limiter decides again; requests are limited");
    }
    for (RateLimitListener listener : listeners) {
      try {
        listener.onDecision(policy, decision, shadowRule);
      } catch (RuntimeException e) {
        log.warn("Rate-limit listener {} failed; the decision stands", listener, e);
      }
    }
    return decision;
  }

  private void reject(HttpServletRequest request, HttpServletResponse response, RateLimitPolicy policy,
      RateLimitDecision decision) throws IOException {
    long retryAfter = decision.retryAfterSeconds();
    response.setHeader("Retry-After", Long.toString(retryAfter));
    Problem problem = Problem.builder(429)
        .type(RATE_LIMITED_TYPE)
        .title("Too Many Requests")
        .detail("Rate limit \"" + policy.name() + "\" exceeded; retry in " + retryAfter
            + (retryAfter == 1 ? " second." : " seconds."))
        .extension("policy", policy.name())
        .extension("retryAfter", retryAfter)
        .build();
    responseWriter.write(request, response, problem);
  }

  private void writeKeyProblem(HttpServletRequest request, HttpServletResponse response, String type,
      String title, String detail) throws IOException {
    responseWriter.write(request, response, Problem.builder(400).type(type).title(title).detail(detail).build());
  }


  @Override
  public String toString() {
    return "RateLimitFilter[limiter=" + limiter + ", rules=" + List.of(rules) + "]";
  }

  /** Collects the header field items of the enforcing decisions of one request. */
  private static final class HeaderCollector {

    private final PolicyHeaders[] policies;
    private final String[] items;
    private final long[] remaining;
    private int size;

    HeaderCollector(int capacity) {
      policies = new PolicyHeaders[capacity];
      items = new String[capacity];
      remaining = new long[capacity];
    }

    /** Adds a decision; a policy checked twice (under two rules) keeps the decision with less remaining. */
    void add(PolicyHeaders policy, RateLimitDecision decision) {
      for (int i = 0; i < size; i++) {
        if (policies[i].policy().name().equals(policy.policy().name())) {
          if (decision.remaining() < remaining[i] || !decision.allowed()) {
            set(i, policy, decision);
          }
          return;
        }
      }
      set(size++, policy, decision);
    }

    private void set(int i, PolicyHeaders policy, RateLimitDecision decision) {
      policies[i] = policy;
      items[i] = policy.rateLimitItem(decision);
      remaining[i] = decision.remaining();
    }

    void writeTo(HttpServletResponse response) {
      if (size == 0) {
        return;
      }
      if (size == 1) {
        response.setHeader("RateLimit-Policy", policies[0].policyItems());
        response.setHeader("RateLimit", items[0]);
        return;
      }
      StringBuilder policyField = new StringBuilder();
      StringBuilder rateField = new StringBuilder();
      for (int i = 0; i < size; i++) {
        if (i > 0) {
          policyField.append(", ");
          rateField.append(", ");
        }
        policyField.append(policies[i].policyItems());
        rateField.append(items[i]);
      }
      response.setHeader("RateLimit-Policy", policyField.toString());
      response.setHeader("RateLimit", rateField.toString());
    }
  }

  /**
   * Configures a {@link RateLimitFilter}. Each method validates its argument at once. Not thread-safe; the
   * filter it builds is.
   */
  public static final class Builder {

    private @Nullable RateLimiter limiter;
    private final List<RateLimitRule> rules = new ArrayList<>();
    private @Nullable ProblemResponseWriter responseWriter;
    private final List<RateLimitListener> listeners = new ArrayList<>();
    private @Nullable BooleanSupplier enabled;
    private @Nullable BooleanSupplier shadow;

    private Builder() {
    }

    /**
     * Sets the limiter that decides. Required. The filter never closes it.
     *
     * @param limiter for example a {@code LocalRateLimiter} or a {@code FallbackRateLimiter}
     * @return this builder
     */
    public Builder limiter(RateLimiter limiter) {
      this.limiter = Objects.requireNonNull(limiter, "limiter");
      return this;
    }

    /**
     * Adds a rule; at least one is required. Rules are checked in the order added. Several rules may check
     * the same policy (for example under different paths or keys); rules whose policies share a name must
     * then share the limits too, as {@link #build()} checks.
     *
     * @param rule the rule
     * @return this builder
     */
    public Builder rule(RateLimitRule rule) {
      rules.add(Objects.requireNonNull(rule, "rule"));
      return this;
    }

    /**
     * Sets the writer of the {@code 429} and {@code 400} problems. Default
     * {@link ProblemResponseWriter#create()}; pass the application's writer to share its listeners.
     *
     * @param responseWriter the writer
     * @return this builder
     */
    public Builder responseWriter(ProblemResponseWriter responseWriter) {
      this.responseWriter = Objects.requireNonNull(responseWriter, "responseWriter");
      return this;
    }

    /**
     * Adds a listener told of every decision through
     * {@link RateLimitListener#onDecision(RateLimitPolicy, RateLimitDecision, boolean)}, shadow rules
     * included; listeners run in the order added, on the request thread.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(RateLimitListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets the run-time switch: read once at the start of every request, and while it returns
     * {@code false} the filter calls the chain with the request and response untouched: no key is
     * resolved, no limit charged, no header field written and no listener called. By default the filter
     * is always on.
     *
     * <p>The supplier is called on request threads, concurrently, so it must be thread-safe and cheap (a
     * volatile read, such as {@code ComponentSwitch} from {@code otto-core}); an exception it throws
     * propagates to the container.
     *
     * @param enabled whether the filter limits the next request
     * @return this builder
     */
    public Builder enabled(BooleanSupplier enabled) {
      this.enabled = Objects.requireNonNull(enabled, "enabled");
      return this;
    }

    /**
     * Sets the run-time shadow override: read once at the start of every request the filter handles, and
     * while it returns {@code true} every rule behaves as a {@link RateLimitRule.Builder#shadow(boolean)
     * shadow} rule for that request: decided and reported to the listeners with {@code shadow = true},
     * never rejecting, never answering {@code 400}, adding no header fields. While it returns
     * {@code false} each rule keeps its own mode. By default there is no override.
     *
     * <p>The supplier is called on request threads, concurrently, so it must be thread-safe and cheap,
     * such as {@code ComponentSwitch.shadow()} from {@code otto-core}; an exception it throws propagates
     * to the container.
     *
     * @param shadow whether every rule only observes the next request
     * @return this builder
     */
    public Builder shadow(BooleanSupplier shadow) {
      this.shadow = Objects.requireNonNull(shadow, "shadow");
      return this;
    }

    /**
     * Creates the filter.
     *
     * @return the immutable filter
     * @throws IllegalStateException when the limiter or every rule is missing, or when two rules carry
     *     policies with the same name but different limits
     */
    public RateLimitFilter build() {
      if (limiter == null) {
        throw new IllegalStateException("RateLimitFilter needs a limiter; call limiter(RateLimiter)");
      }
      if (rules.isEmpty()) {
        throw new IllegalStateException("RateLimitFilter needs at least one rule; call rule(RateLimitRule)");
      }
      requireOneLimitSetPerPolicyName();
      return new RateLimitFilter(this, limiter);
    }

    /**
     * A policy's name identifies its state in the limiter, its header fields and its metrics. Two policies
     * with one name and different limits would share that state: the local limiter keeps one state per
     * key and name, so alternating between them resets it and lets every request through, while Redis
     * (one key per limit) enforces both. Neither is what the rules say, so such a filter is not built.
     */
    private void requireOneLimitSetPerPolicyName() {
      Map<String, RateLimitPolicy> byName = new HashMap<>();
      for (RateLimitRule rule : rules) {
        RateLimitPolicy policy = rule.policy();
        RateLimitPolicy earlier = byName.putIfAbsent(policy.name(), policy);
        if (earlier != null && !earlier.equals(policy)) {
          throw new IllegalStateException("two rate-limit rules use policy name '" + policy.name()
              + "' with different limits, " + earlier.limits() + " and " + policy.limits()
              + "; give each policy its own name, or use the same policy in both rules");
        }
      }
    }
  }
}
