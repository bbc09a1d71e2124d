package dev.otto.problem.trace;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Gives every request a {@link TraceContext}, exposes it to logs and echoes the trace id to the client.
 * Register it as the outermost filter, before {@code ProblemFilter}, for {@code REQUEST}, {@code ASYNC}
 * and {@code ERROR} dispatches:
 *
 * <pre>{@code
 * servletContext.addFilter("otto-trace", TraceIdFilter.create())
 *     .addMappingForUrlPatterns(
 *         EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR), false, "/*");
 * }</pre>
 *
 * <p>The trace id comes from, in order:
 * <ol>
 *   <li>the current OpenTelemetry span, when OpenTelemetry is on the classpath, enabled, and a valid span
 *       is current (its trace and span ids are used as they are);</li>
 *   <li>a valid W3C {@code traceparent} request header, with a new span id. Version {@code 00} must be
 *       lowercase and exactly 55 characters; a newer version (not {@code ff}) is read as far as version
 *       {@code 00} goes, as the specification asks, and fields it appends after a {@code -} are ignored.
 *       Anything else is ignored and never echoed. The header is never forwarded;</li>
 *   <li>otherwise a new random 128-bit trace id and 64-bit span id.</li>
 * </ol>
 * On an {@code ASYNC} or {@code ERROR} dispatch (or any request that already carries a context), the
 * existing context is reused, so all dispatches of one request share one trace id.
 *
 * <p>For the duration of the chain the context is stored as request attribute
 * {@link TraceContext#ATTRIBUTE} and in the SLF4J MDC under {@value #MDC_TRACE_ID},
 * {@value #MDC_SPAN_ID} and, when present, {@value #MDC_REQUEST_ID}; the previous MDC values of the
 * thread are restored afterwards, also when the chain throws. The trace id response header is set before
 * the chain runs, so it is present even if the response commits early. An incoming request id
 * ({@code X-Request-Id} by default) is echoed only if it matches {@code [A-Za-z0-9._:-]{1,128}}.
 *
 * <p>A run-time {@link Builder#enabled(BooleanSupplier) switch} may turn the filter off: it is read once
 * per dispatch, and while it returns {@code false} requests pass through untouched (no header, no MDC,
 * no request attribute).
 *
 * <p>The filter is immutable and thread-safe. It never fails a request: bad headers are ignored.
 */
public final class TraceIdFilter implements Filter {

  /** The MDC key holding the trace id. */
  public static final String MDC_TRACE_ID = "traceId";
  /** The MDC key holding the span id. */
  public static final String MDC_SPAN_ID = "spanId";
  /** The MDC key holding the validated client request id, when there is one. */
  public static final String MDC_REQUEST_ID = "requestId";

  private static final String TRACEPARENT = "traceparent";
  private static final int MAX_REQUEST_ID_LENGTH = 128;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final String responseHeader;
  private final @Nullable String requestIdHeader;
  private final @Nullable CurrentSpan currentSpan;
  private final @Nullable RandomGenerator random;
  private final @Nullable BooleanSupplier enabled;

  private TraceIdFilter(Builder builder, @Nullable CurrentSpan currentSpan) {
    this.responseHeader = builder.responseHeader;
    this.requestIdHeader = builder.requestIdHeader;
    this.random = builder.random;
    this.enabled = builder.enabled;
    this.currentSpan = currentSpan;
  }

  /** Starts a filter configuration with the defaults described on {@link Builder}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a filter with the default configuration. */
  public static TraceIdFilter create() {
    return builder().build();
  }

  /**
   * Establishes the trace context, runs the chain and restores the MDC. Non-HTTP requests, and every
   * request while the {@linkplain Builder#enabled(BooleanSupplier) switch} is off, pass through
   * untouched. Exceptions from the chain propagate unchanged.
   */
  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if ((enabled != null && !enabled.getAsBoolean())
        || !(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
      chain.doFilter(req, res);
      return;
    }
    TraceContext context = TraceContext.from(request).orElse(null);
    if (context == null) {
      context = newContext(request);
      request.setAttribute(TraceContext.ATTRIBUTE, context);
    }
    if (!response.isCommitted()) {
      response.setHeader(responseHeader, context.traceId());
      if (requestIdHeader != null && context.requestId() != null) {
        response.setHeader(requestIdHeader, context.requestId());
      }
    }
    String previousTraceId = MDC.get(MDC_TRACE_ID);
    String previousSpanId = MDC.get(MDC_SPAN_ID);
    String previousRequestId = MDC.get(MDC_REQUEST_ID);
    try {
      MDC.put(MDC_TRACE_ID, context.traceId());
      MDC.put(MDC_SPAN_ID, context.spanId());
      restore(MDC_REQUEST_ID, context.requestId());
      chain.doFilter(request, response);
    } finally {
      restore(MDC_TRACE_ID, previousTraceId);
      restore(MDC_SPAN_ID, previousSpanId);
      restore(MDC_REQUEST_ID, previousRequestId);
    }
  }

  private TraceContext newContext(HttpServletRequest request) {
    String requestId = requestIdHeader == null ? null : validRequestId(request.getHeader(requestIdHeader));
    if (currentSpan != null) {
      TraceContext fromSpan = currentSpan.current(requestId);
      if (fromSpan != null) {
        return fromSpan;
      }
    }
    RandomGenerator generator = random != null ? random : ThreadLocalRandom.current();
    TraceParent parent = TraceParent.parse(singleHeader(request, TRACEPARENT));
    String traceId = parent != null ? parent.traceId() : newTraceId(generator);
    return new TraceContext(traceId, newSpanId(generator), requestId);
  }

  // W3C Trace Context: several traceparent headers make the input invalid.
  private static @Nullable String singleHeader(HttpServletRequest request, String name) {
    Enumeration<String> values = request.getHeaders(name);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String value = values.nextElement();
    return values.hasMoreElements() ? null : value;
  }

  static @Nullable String validRequestId(@Nullable String value) {
    if (value == null || value.isEmpty() || value.length() > MAX_REQUEST_ID_LENGTH) {
      return null;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == ':' || c == '-';
      if (!allowed) {
        return null;
      }
    }
    return value;
  }

  static String newTraceId(RandomGenerator generator) {
    long high;
    long low;
    do {
      high = generator.nextLong();
      low = generator.nextLong();
    } while (high == 0 && low == 0);
    char[] chars = new char[32];
    toHex(high, chars, 0);
    toHex(low, chars, 16);
    return new String(chars);
  }

  static String newSpanId(RandomGenerator generator) {
    long id;
    do {
      id = generator.nextLong();
    } while (id == 0);
    char[] chars = new char[16];
    toHex(id, chars, 0);
    return new String(chars);
  }

  private static void toHex(long value, char[] into, int offset) {
    for (int i = 15; i >= 0; i--) {
      into[offset + i] = HEX[(int) (value & 0xF)];
      value >>>= 4;
    }
  }

  private static void restore(String key, @Nullable String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }

  /**
   * Configures a {@link TraceIdFilter}. Setters validate at once and name the bad value. Not
   * thread-safe; the filter it builds is.
   */
  public static final class Builder {

    private String responseHeader = "X-Trace-Id";
    private @Nullable String requestIdHeader = "X-Request-Id";
    private boolean openTelemetry = true;
    private @Nullable RandomGenerator random;
    private @Nullable BooleanSupplier enabled;

    private Builder() {}

    /**
     * Sets the response header that carries the trace id. Defaults to {@code X-Trace-Id}.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid HTTP header name
     */
    public Builder responseHeader(String name) {
      this.responseHeader = requireHeaderName("responseHeader", name);
      return this;
    }

    /**
     * Sets the header whose valid value is taken as the request id and echoed back. Defaults to
     * {@code X-Request-Id}; {@code null} disables request ids.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid HTTP header name
     */
    public Builder requestIdHeader(@Nullable String name) {
      this.requestIdHeader = name == null ? null : requireHeaderName("requestIdHeader", name);
      return this;
    }

    /**
     * Sets whether the current OpenTelemetry span, when valid, supplies the trace id. Defaults to
     * {@code true}; has no effect when the OpenTelemetry API is not on the classpath.
     */
    public Builder openTelemetry(boolean enabled) {
      this.openTelemetry = enabled;
      return this;
    }

    /**
     * Sets the source of new ids, for deterministic tests. By default each id comes from
     * {@link ThreadLocalRandom#current()} of the calling thread. The generator must be thread-safe if the
     * filter serves concurrent requests.
     */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random must not be null");
      return this;
    }

    /**
     * Sets the run-time switch: read once at the start of every dispatch, and while it returns
     * {@code false} the filter calls the chain with the request and response untouched: no trace id
     * header, no MDC entries, no request attribute. By default the filter is always on.
     *
     * <p>The supplier is called on request threads, concurrently, so it must be thread-safe and cheap (a
     * volatile read, such as {@code ComponentSwitch} from {@code otto-core}); an exception it throws
     * propagates to the container.
     */
    public Builder enabled(BooleanSupplier enabled) {
      this.enabled = Objects.requireNonNull(enabled, "enabled must not be null");
      return this;
    }

    /** Returns the filter. OpenTelemetry availability is detected here, once. */
    public TraceIdFilter build() {
      return new TraceIdFilter(this, openTelemetry ? openTelemetrySpan() : null);
    }

    private static @Nullable CurrentSpan openTelemetrySpan() {
      try {
        Class.forName("io.opentelemetry.api.trace.Span", false, TraceIdFilter.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError absent) {
        return null;
      }
      try {
        CurrentSpan span = new OpenTelemetryCurrentSpan();
        span.current(null); // fails now, not per request, if part of the API (e.g. its context) is missing
        return span;
      } catch (LinkageError incomplete) {
        LoggerFactory.getLogger(TraceIdFilter.class).warn(
            "OpenTelemetry API is on the classpath but unusable; trace ids will not come from spans",
            incomplete);
        return null;
      }
    }

    private static String requireHeaderName(String setting, String name) {
      Objects.requireNonNull(name, setting + " must not be null");
      boolean valid = !name.isEmpty();
      for (int i = 0; valid && i < name.length(); i++) {
        char c = name.charAt(i);
        valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      }
      if (!valid) {
        throw new IllegalArgumentException(setting + " must be a valid HTTP header name: '" + name + "'");
      }
      return name;
    }
  }
}
