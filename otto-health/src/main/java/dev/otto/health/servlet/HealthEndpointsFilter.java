package dev.otto.health.servlet;

import dev.otto.core.servlet.PathPattern;
import dev.otto.health.Readiness;
import dev.otto.health.ReadinessAggregator;
import dev.otto.health.checks.WorkerHeartbeats;
import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ProblemResponseWriter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Serves the health endpoints and passes every other request down the chain.
 *
 * <pre>{@code
 * HealthEndpointsFilter health = HealthEndpointsFilter.builder()
 *     .aggregator(readiness)
 *     .service("otto-demo")
 *     .heartbeats(heartbeats)           // optional: enables POST /internal/worker/heartbeat
 *     .build();
 * servletContext.addFilter("health", health).addMappingForUrlPatterns(null, false, "/*");
 * }</pre>
 *
 * <h2>Endpoints</h2>
 * <ul>
 *   <li>{@code GET /health} (liveness): always {@code 200 {"status":"UP"}}. It touches no dependency and
 *       no check, and stays {@code UP} while the service drains: liveness failing would get a
 *       healthy-but-busy instance killed.
 *   <li>{@code GET /ready} (readiness): {@code 200} when {@link Readiness#ready()}, {@code 503} otherwise,
 *       with the body
 *       <pre>{@code
 * {"ready":true,"degraded":false,
 *  "components":{"database":{"status":"UP","critical":true,"duration_ms":3},
 *                "redis":{"status":"DOWN","critical":false,"duration_ms":1000,"error":"timed out after 1000 ms"}},
 *  "timestamp":"2026-01-01T00:00:00.123Z","duration_ms":4,"service":"otto-demo"}
 *       }</pre>
 *       {@code error} appears only for {@code DOWN}; {@code duration_ms} are whole milliseconds; the
 *       {@code timestamp} is ISO-8601 in UTC. With {@link Builder#showDetails showDetails(true)} a
 *       component also carries its {@code details} (such as pool figures) when it has any.
 *   <li>{@code POST /internal/worker/heartbeat} with {@code {"worker": "ID"}} (only when
 *       {@link Builder#heartbeats heartbeats} are configured): records the beat, {@code 204}. A body that
 *       is not such an object (malformed JSON, missing, non-string or invalid id) is a {@code 400} problem
 *       of type {@code https://otto.dev/problems/invalid-heartbeat} that never repeats the input; a body
 *       over {@link Builder#maxHeartbeatBytes maxHeartbeatBytes} is {@code 413}. The request must declare
 *       its body as JSON: a {@code Content-Type} of {@code application/json} or any
 *       {@code application/*+json}, matched case-insensitively, parameters such as {@code charset} allowed
 *       (the body is read as UTF-8 in any case). Any other {@code Content-Type}, and a missing one, is a
 *       {@code 415} problem, answered before the body is read, whose {@code Accept-Post} and
 *       {@code Accept} headers name {@code application/json}. A missing type is refused rather than
 *       sniffed, as Spring MVC refuses it for a JSON {@code @RequestBody}: a browser may send a body
 *       without a type, or as {@code text/plain}, cross-origin without a CORS preflight, so accepting
 *       either would let any web page that a user on the internal network opens record heartbeats. This
 *       endpoint is meant for the service's own workers: do not route it from the internet.
 * </ul>
 * {@code GET} endpoints also answer {@code HEAD}. {@code OPTIONS} is answered {@code 200} without a
 * body and with {@code Allow} ({@code GET, HEAD, OPTIONS}, or {@code POST, OPTIONS} for the heartbeat),
 * as Spring MVC answers it for the application's other paths; it runs no check and records no beat. Any
 * other method is a {@code 405} problem with the same {@code Allow}. Every answer carries {@code Cache-Control: no-store}. Problems are written by the
 * {@link ProblemResponseWriter}. Paths are matched exactly against the path within the application
 * (servlet path plus path info), so map the filter to {@code /*} or to the three paths. As with any
 * filter, the container runs it only for requests it maps to some servlet: in Spring MVC the
 * {@code DispatcherServlet} covers every path; in a bare container, map a default servlet.
 *
 * <p>A run-time {@link Builder#enabled(BooleanSupplier) switch} may turn the endpoints off: it is read
 * once at the start of each request, and while it returns {@code false} every request, the endpoints'
 * paths included, passes down the chain as if the filter were not there.
 *
 * <p>Only initial ({@link DispatcherType#REQUEST REQUEST}) dispatches are answered. Threading: immutable
 * and thread-safe; {@code /ready} blocks the request thread for at most about the longest check timeout
 * (see {@link ReadinessAggregator}). The filter owns nothing: {@link #destroy()} closes neither the
 * aggregator nor the heartbeats.
 */
public final class HealthEndpointsFilter implements Filter {

  static final String INVALID_HEARTBEAT_TYPE = "https://otto.dev/problems/invalid-heartbeat";
  static final String HEARTBEAT_TOO_LARGE_TYPE = "https://otto.dev/problems/heartbeat-too-large";

  private static final String JSON = "application/json";
  // OPTIONS is answered for every endpoint, so both its answer and a 405 list it (as Spring MVC does).
  private static final String GET_METHODS = "GET, HEAD, OPTIONS";
  private static final String POST_METHODS = "POST, OPTIONS";
  private static final String JSON_SUFFIX = "+json";

  private final ReadinessAggregator aggregator;
  private final String service;
  private final String healthPath;
  private final String readyPath;
  private final @Nullable WorkerHeartbeats heartbeats;
  private final String heartbeatPath;
  private final int maxHeartbeatBytes;
  private final boolean showDetails;
  private final ProblemResponseWriter problems;
  private final HealthJson json = new HealthJson();
  private final byte[] livenessBody;
  private final @Nullable BooleanSupplier enabled;

  private HealthEndpointsFilter(Builder builder, ReadinessAggregator aggregator, String service) {
    this.aggregator = aggregator;
    this.enabled = builder.enabled;
    this.service = service;
    this.healthPath = builder.healthPath;
    this.readyPath = builder.readyPath;
    this.heartbeats = builder.heartbeats;
    this.heartbeatPath = builder.heartbeatPath;
    this.maxHeartbeatBytes = builder.maxHeartbeatBytes;
    this.showDetails = builder.showDetails;
    this.problems = builder.problems != null ? builder.problems : ProblemResponseWriter.create();
    this.livenessBody = json.liveness();
  }

  /**
   * Starts a filter configuration; {@link Builder#aggregator aggregator} and {@link Builder#service
   * service} are required.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Answers a health request as described on the class, or passes the request on; every request passes
   * on while the {@linkplain Builder#enabled(BooleanSupplier) switch} is off.
   *
   * @throws IOException if writing the answer fails (typically the client went away), or as thrown by
   *     the chain
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
    String path = PathPattern.pathWithinApplication(request);
    if (path.equals(healthPath)) {
      if (allowGet(request, response)) {
        writeJson(request, response, 200, livenessBody);
      }
    } else if (path.equals(readyPath)) {
      if (allowGet(request, response)) {
        Readiness readiness = aggregator.readiness();
        writeJson(request, response, readiness.ready() ? 200 : 503,
            json.readiness(readiness, service, showDetails));
      }
    } else if (heartbeats != null && path.equals(heartbeatPath)) {
      heartbeat(request, response, heartbeats);
    } else {
      chain.doFilter(request, response);
    }
  }

  private boolean allowGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String method = request.getMethod();
    if ("GET".equals(method) || "HEAD".equals(method)) {
      return true;
    }
    otherMethod(request, response, GET_METHODS);
    return false;
  }

  /** Answers a method the endpoint does not serve: {@code OPTIONS} with {@code 200}, any other with 405. */
  private void otherMethod(HttpServletRequest request, HttpServletResponse response, String allow)
      throws IOException {
    if ("OPTIONS".equals(request.getMethod())) {
      response.setHeader("Allow", allow);
      response.setHeader("Cache-Control", "no-store");
      response.setStatus(200);
    } else {
      methodNotAllowed(request, response, allow);
    }
  }

  private void heartbeat(HttpServletRequest request, HttpServletResponse response, WorkerHeartbeats registry)
      throws IOException {
    if (!"POST".equals(request.getMethod())) {
      otherMethod(request, response, POST_METHODS);
      return;
    }
    if (!isJson(request.getContentType())) {
      unsupportedMediaType(request, response);
      return;
    }
    if (request.getContentLengthLong() > maxHeartbeatBytes) {
      tooLarge(request, response);
      return;
    }
    byte[] body;
    try {
      body = readAtMost(request.getInputStream(), maxHeartbeatBytes);
    } catch (IOException unreadable) {
      // A body that ends early or breaks off is the client's doing, not a server error.
      invalidHeartbeat(request, response, "The heartbeat body could not be read completely.");
      return;
    }
    if (body == null) {
      tooLarge(request, response);
      return;
    }
    String worker = json.heartbeatWorker(body);
    if (worker == null || !WorkerHeartbeats.isValidWorkerId(worker)) {
      invalidHeartbeat(request, response, "The body must be a JSON object {\"worker\": \"ID\"} where ID is 1 to"
          + " 128 characters of A-Z a-z 0-9 . _ : -.");
      return;
    }
    registry.beat(worker);
    response.setHeader("Cache-Control", "no-store");
    response.setStatus(204);
  }

  /**
   * Whether {@code contentType} declares JSON: {@code application/json} or {@code application/*+json}, in
   * any case, with any parameters. {@code null} (no {@code Content-Type}) is not JSON.
   */
  static boolean isJson(@Nullable String contentType) {
    if (contentType == null) {
      return false;
    }
    int parameters = contentType.indexOf(';');
    String mediaType = (parameters < 0 ? contentType : contentType.substring(0, parameters))
        .strip().toLowerCase(Locale.ROOT);
    if (!mediaType.startsWith("application/")) {
      return false;
    }
    String subtype = mediaType.substring("application/".length());
    if (subtype.equals("json")) {
      return true;
    }
    // "application/+json" has no name before the suffix and "application/a b+json" is not one token.
    return subtype.endsWith(JSON_SUFFIX) && subtype.length() > JSON_SUFFIX.length()
        && subtype.chars().allMatch(HealthEndpointsFilter::isTokenChar);
  }

  // RFC 9110 tchar: the characters a media type's subtype may consist of.
  private static boolean isTokenChar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  /** Reads the whole stream, or returns {@code null} as soon as it holds more than {@code limit} bytes. */
  private static byte @Nullable [] readAtMost(InputStream in, int limit) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 512));
    byte[] buffer = new byte[Math.min(limit + 1, 8192)];
    int total = 0;
    int read;
    while ((read = in.read(buffer)) != -1) {
      total += read;
      if (total > limit) {
        return null;
      }
      out.write(buffer, 0, read);
    }
    return out.toByteArray();
  }

  private void writeJson(HttpServletRequest request, HttpServletResponse response, int status, byte[] body)
      throws IOException {
    response.setStatus(status);
    response.setContentType(JSON);
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(body.length);
    if (!"HEAD".equals(request.getMethod())) {
      response.getOutputStream().write(body);
    }
  }

  private void methodNotAllowed(HttpServletRequest request, HttpServletResponse response, String allow)
      throws IOException {
    response.setHeader("Allow", allow);
    problems.write(request, response, Problem.builder(405)
        .detail("This endpoint accepts " + allow + ".")
        .build());
  }

  private void unsupportedMediaType(HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    // RFC 9110 (15.5.16) lets a 415 name the accepted media types in Accept, as Spring MVC's own 415s do;
    // Accept-Post (registered with IANA) says the same for a POST. Only application/json is named: a
    // media range may not be "application/*+json", and every client can send the plain type. The
    // received type is not repeated.
    response.setHeader("Accept-Post", JSON);
    response.setHeader("Accept", JSON);
    problems.write(request, response, Problem.builder(415)
        .detail("A heartbeat is a JSON body: send it with Content-Type: application/json.")
        .build());
  }

  private void tooLarge(HttpServletRequest request, HttpServletResponse response) throws IOException {
    problems.write(request, response, Problem.builder(413)
        .type(HEARTBEAT_TOO_LARGE_TYPE)
        .title("Heartbeat too large")
        .detail("A heartbeat body is at most " + maxHeartbeatBytes + " bytes.")
        .build());
  }

  private void invalidHeartbeat(HttpServletRequest request, HttpServletResponse response, String detail)
      throws IOException {
    problems.write(request, response, Problem.builder(400)
        .type(INVALID_HEARTBEAT_TYPE)
        .title("Invalid heartbeat")
        .detail(detail)
        .build());
  }



  /**
   * Configures a {@link HealthEndpointsFilter}. Setters validate at once and name the bad value. Not
   * thread-safe; the filter it builds is.
   */
  public static final class Builder {

    private @Nullable ReadinessAggregator aggregator;
    private @Nullable String service;
    private String healthPath = "/health";
    private String readyPath = "/ready";
    private @Nullable WorkerHeartbeats heartbeats;
    private String heartbeatPath = "/internal/worker/heartbeat";
    private int maxHeartbeatBytes = 4096;
    private boolean showDetails;
    private @Nullable ProblemResponseWriter problems;
    private @Nullable BooleanSupplier enabled;

    private Builder() {
    }

    /** Sets the aggregator that answers {@code /ready}. Required. */
    public Builder aggregator(ReadinessAggregator aggregator) {
      this.aggregator = Objects.requireNonNull(aggregator, "aggregator must not be null");
      return this;
    }

    /**
     * Sets the service name reported as {@code service} in {@code /ready}. Required.
     *
     * @throws IllegalArgumentException if {@code service} is blank
     */
    public Builder service(String service) {
      Objects.requireNonNull(service, "service must not be null");
      if (service.isBlank()) {
        throw new IllegalArgumentException("service must not be blank: '" + service + "'");
      }
      this.service = service;
      return this;
    }

    /**
     * Sets the liveness path. Default {@code /health}.
     *
     * @throws IllegalArgumentException if {@code path} does not start with {@code /} or contains
     *     {@code *}, {@code ?} or whitespace
     */
    public Builder healthPath(String path) {
      this.healthPath = requirePath("healthPath", path);
      return this;
    }

    /**
     * Sets the readiness path. Default {@code /ready}.
     *
     * @throws IllegalArgumentException if {@code path} does not start with {@code /} or contains
     *     {@code *}, {@code ?} or whitespace
     */
    public Builder readyPath(String path) {
      this.readyPath = requirePath("readyPath", path);
      return this;
    }

    /**
     * Sets the registry that {@code POST} heartbeats are recorded in, which enables that endpoint.
     * Default none: the heartbeat path is passed down the chain like any other.
     */
    public Builder heartbeats(WorkerHeartbeats heartbeats) {
      this.heartbeats = Objects.requireNonNull(heartbeats, "heartbeats must not be null");
      return this;
    }

    /**
     * Sets the heartbeat path. Default {@code /internal/worker/heartbeat}.
     *
     * @throws IllegalArgumentException if {@code path} does not start with {@code /} or contains
     *     {@code *}, {@code ?} or whitespace
     */
    public Builder heartbeatPath(String path) {
      this.heartbeatPath = requirePath("heartbeatPath", path);
      return this;
    }

    /**
     * Sets the largest heartbeat body accepted; larger ones are answered {@code 413}. Default 4096.
     *
     * @throws IllegalArgumentException if {@code bytes} is not between 16 and 1048576
     */
    public Builder maxHeartbeatBytes(int bytes) {
      if (bytes < 16 || bytes > 1_048_576) {
        throw new IllegalArgumentException("maxHeartbeatBytes must be between 16 and 1048576: " + bytes);
      }
      this.maxHeartbeatBytes = bytes;
      return this;
    }

    /**
     * Sets whether {@code /ready} shows each component's {@code details} (such as connection pool
     * figures). Default {@code false}: the body then has exactly the members described on the class.
     */
    public Builder showDetails(boolean showDetails) {
      this.showDetails = showDetails;
      return this;
    }

    /** Sets the writer for problem responses, to share the application's. Default a new one. */
    public Builder problemWriter(ProblemResponseWriter problems) {
      this.problems = Objects.requireNonNull(problems, "problems must not be null");
      return this;
    }

    /**
     * Sets the run-time switch: read once at the start of every request, and while it returns
     * {@code false} the filter calls the chain with the request and response untouched, so
     * {@code /health}, {@code /ready} and the heartbeat path reach whatever the chain maps them to
     * (typically a {@code 404}). By default the endpoints are always on.
     *
     * <p>The supplier is called on request threads, concurrently, so it must be thread-safe and cheap (a
     * volatile read, such as {@code ComponentSwitch} from {@code otto-core}); an exception it throws
     * propagates to the container.
     */
    public Builder enabled(BooleanSupplier enabled) {
      this.enabled = Objects.requireNonNull(enabled, "enabled must not be null");
      return this;
    }

    /**
     * Returns the filter. The builder may be reused afterwards.
     *
     * @throws IllegalStateException if the aggregator or the service is missing, or two endpoints share a
     *     path
     */
    public HealthEndpointsFilter build() {
      ReadinessAggregator chosenAggregator = aggregator;
      if (chosenAggregator == null) {
        throw new IllegalStateException("aggregator must be set: HealthEndpointsFilter.builder()"
            + ".aggregator(ReadinessAggregator.builder()...build())");
      }
      String chosenService = service;
      if (chosenService == null) {
        throw new IllegalStateException("service must be set: the name reported in /ready, for example"
            + " .service(\"orders\")");
      }
      Set<String> paths = new HashSet<>();
      paths.add(healthPath);
      if (!paths.add(readyPath) || (heartbeats != null && !paths.add(heartbeatPath))) {
        throw new IllegalStateException("health endpoints need distinct paths: health " + healthPath
            + ", ready " + readyPath + (heartbeats != null ? ", heartbeat " + heartbeatPath : ""));
      }
      return new HealthEndpointsFilter(this, chosenAggregator, chosenService);
    }

    private static String requirePath(String what, String path) {
      Objects.requireNonNull(path, what + " must not be null");
      if (!path.startsWith("/") || path.chars().anyMatch(c -> c == '*' || c == '?' || Character.isWhitespace(c))) {
        throw new IllegalArgumentException(what + " must start with / and contain no *, ? or whitespace: '"
            + path + "'");
      }
      return path;
    }
  }
}
