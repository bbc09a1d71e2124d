package dev.otto.servletdemo;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitch;
import dev.otto.core.ComponentSwitches;
import dev.otto.health.ReadinessAggregator;
import dev.otto.health.checks.WorkerHeartbeats;
import dev.otto.health.servlet.HealthEndpointsFilter;
import dev.otto.idempotency.memory.MemoryIdempotencyStore;
import dev.otto.idempotency.servlet.IdempotencyFilter;
import dev.otto.idempotency.servlet.IdempotencyRule;
import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ExceptionMappings;
import dev.otto.problem.servlet.ProblemFilter;
import dev.otto.problem.servlet.ProblemResponseWriter;
import dev.otto.problem.trace.TraceIdFilter;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.local.LocalRateLimiter;
import dev.otto.ratelimit.servlet.ClientIpResolver;
import dev.otto.ratelimit.servlet.KeyResolver;
import dev.otto.ratelimit.servlet.RateLimitFilter;
import dev.otto.ratelimit.servlet.RateLimitRule;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plain Jakarta Servlet service on embedded Tomcat with every Otto component wired by hand through its
 * builder, and each one switchable at run time.
 *
 * <p>Filters, outermost first (the order matters):
 * <ol>
 *   <li>{@link TraceIdFilter}: a trace id on every response and in every log line;
 *   <li>{@link ProblemFilter}: every failure becomes {@code application/problem+json};
 *   <li>{@link HealthEndpointsFilter}: {@code GET /health}, {@code GET /ready} (a critical {@code workers}
 *       check fed by an in-process worker's heartbeat) and {@code POST /internal/worker/heartbeat};
 *   <li>{@link RateLimitFilter}: {@code GET} (and so {@code HEAD}) {@code /api/greeting}, policy
 *       {@code greeting}, 10 requests per 10 seconds per {@code X-Api-Key}, otherwise per client IP
 *       (proxies on loopback trusted);
 *   <li>{@link IdempotencyFilter}: {@code POST /api/payments} once per {@code Idempotency-Key}, scoped by the
 *       {@code X-User} header (a stand-in for authentication).
 * </ol>
 * Servlets: {@code GET /api/greeting}, {@code POST /api/payments}, {@code GET /api/payments/count},
 * {@code GET /api/boom} (fails with a secret the client never sees), the switches at
 * {@code /admin/switches} (see {@link SwitchesServlet}: an example that must not be exposed publicly), and
 * a {@code 404} for everything else.
 *
 * <p>Run it with {@code java -jar examples/otto-servlet-demo/target/otto-servlet-demo.jar [port]}
 * (default port 8081), then for example
 * {@code curl -X POST localhost:8081/admin/switches/ratelimit -d '{"enabled":false}'}.
 *
 * <p>The demo owns everything it creates, Tomcat, the readiness aggregator and the heartbeat scheduler,
 * and {@link #close()} stops them all.
 */
public final class ServletDemo implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ServletDemo.class);

  /** The id of the in-process worker whose heartbeat {@code /ready} checks. */
  static final String WORKER_ID = "servlet-demo-worker";

  private static final Duration HEARTBEAT_INTERVAL = Duration.ofSeconds(5);

  private final Tomcat tomcat;
  private final ReadinessAggregator readiness;
  private final ScheduledExecutorService worker;
  private final ComponentSwitches switches;

  private ServletDemo(Tomcat tomcat, ReadinessAggregator readiness, ScheduledExecutorService worker,
      ComponentSwitches switches) {
    this.tomcat = tomcat;
    this.readiness = readiness;
    this.worker = worker;
    this.switches = switches;
  }

  /**
   * Starts the demo on {@code port} ({@code 0} picks a free one) on 127.0.0.1 and returns once it accepts
   * requests and is ready.
   *
   * @throws IOException if the working directory cannot be created
   * @throws LifecycleException if Tomcat cannot start, for example because the port is taken
   */
  public static ServletDemo start(int port) throws IOException, LifecycleException {
    return start(port, InstantSource.system());
  }

  /** As {@link #start(int)}, with the rate limiter on {@code clock}, so tests decide when time passes. */
  static ServletDemo start(int port, InstantSource clock) throws IOException, LifecycleException {
    // One of each shared piece: the switches every filter reads, the JSON and problem writers.
    ComponentSwitches switches = ComponentSwitches.create();
    switches.addListener(changed -> log.info("Otto component {} is now {} in mode {}",
        changed.component().id(), changed.isEnabled() ? "enabled" : "disabled", changed.mode().id()));
    DemoJson json = new DemoJson();
    ProblemResponseWriter problems = ProblemResponseWriter.create();

    // Readiness: a critical "workers" check, fed by a worker that beats in-process. The first beat is
    // synchronous, so the demo is ready as soon as start returns.
    WorkerHeartbeats heartbeats = WorkerHeartbeats.create();
    heartbeats.beat(WORKER_ID);
    ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "otto-servlet-demo-worker");
      thread.setDaemon(true);
      return thread;
    });
    worker.scheduleAtFixedRate(() -> heartbeats.beat(WORKER_ID), HEARTBEAT_INTERVAL.toMillis(),
        HEARTBEAT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    ReadinessAggregator readiness = ReadinessAggregator.builder()
        .check(heartbeats.healthCheck("workers", true))
        .defaultTimeout(Duration.ofSeconds(1))
        .build();

    Tomcat tomcat = new Tomcat();
    try {
      tomcat.setBaseDir(Files.createTempDirectory("otto-servlet-demo").toString());
      tomcat.setPort(port);
      tomcat.getConnector().setProperty("address", "127.0.0.1");
      // Large header blocks reach the filters, which ignore or refuse bad values with a 4xx problem.
      tomcat.getConnector().setProperty("maxHttpHeaderSize", "32768");
      tomcat.getConnector().setProperty("maxHttpRequestHeaderSize", "32768");
      // Tomcat rejects some malformed requests before any filter runs; its default error page would quote
      // the offending header line back to the client. Spring Boot turns the report off the same way.
      ErrorReportValve quietErrors = new ErrorReportValve();
      quietErrors.setShowReport(false);
      quietErrors.setShowServerInfo(false);
      tomcat.getHost().getPipeline().addValve(quietErrors);
      Context context = tomcat.addContext("", null);

      addFilter(context, "trace", TraceIdFilter.builder()
          .enabled(switches.get(Component.TRACE))
          .build());
      addFilter(context, "problem", ProblemFilter.builder()
          .exceptionMappings(ExceptionMappings.builder()
              .map(IllegalArgumentException.class,
                  (ex, request) -> Problem.builder(400).detail("The request is invalid.").build())
              .build())
          .responseWriter(problems)
          .enabled(switches.get(Component.PROBLEM))
          .build());
      addFilter(context, "health", HealthEndpointsFilter.builder()
          .aggregator(readiness)
          .service("otto-servlet-demo")
          .heartbeats(heartbeats)
          .problemWriter(problems)
          .enabled(switches.get(Component.HEALTH))
          .build());
      addFilter(context, "rateLimit", rateLimitFilter(switches.get(Component.RATELIMIT), problems, clock));
      addFilter(context, "idempotency", idempotencyFilter(switches.get(Component.IDEMPOTENCY), problems));

      addServlet(context, "greeting", new GreetingServlet(json, problems), "/api/greeting");
      addServlet(context, "payments", new PaymentServlet(json, problems), "/api/payments/*");
      addServlet(context, "boom", new BoomServlet(), "/api/boom");
      addServlet(context, "switches", new SwitchesServlet(switches, json, problems), "/admin/switches/*");
      // Also gives the health filter's paths a servlet to be filtered on; 404 when health is switched off.
      addServlet(context, "notFound", new NotFoundServlet(), "/");

      tomcat.start();
    } catch (IOException | LifecycleException | RuntimeException e) {
      stop(tomcat, readiness, worker);
      throw e;
    }
    readiness.markStarted();
    return new ServletDemo(tomcat, readiness, worker, switches);
  }

  private static RateLimitFilter rateLimitFilter(ComponentSwitch rateLimiting, ProblemResponseWriter problems,
      InstantSource clock) {
    ClientIpResolver clientIp = ClientIpResolver.builder().trustedProxies("127.0.0.0/8", "::1").build();
    return RateLimitFilter.builder()
        .limiter(LocalRateLimiter.builder().clock(clock).build())
        .rule(RateLimitRule.builder()
            .policy(RateLimitPolicy.of("greeting", 10, Duration.ofSeconds(10)))
            .path("/api/greeting")
            // GET (and so HEAD) only: a wrong method is a 405 and an OPTIONS is no greeting, so neither
            // may spend the client's quota or carry RateLimit fields.
            .methods("GET")
            .key(KeyResolver.firstOf(KeyResolver.header("X-Api-Key"), KeyResolver.clientIp(clientIp)))
            .build())
        .responseWriter(problems)
        .enabled(rateLimiting)
        .shadow(rateLimiting.shadow())
        .build();
  }

  private static IdempotencyFilter idempotencyFilter(ComponentSwitch idempotency, ProblemResponseWriter problems) {
    return IdempotencyFilter.builder()
        .store(MemoryIdempotencyStore.create())
        .rule(IdempotencyRule.builder().path("/api/payments").methods("POST").build())
        .principal(request -> request.getHeader("X-User"))
        .responseWriter(problems)
        .enabled(idempotency)
        .shadow(idempotency.shadow())
        .build();
  }

  /** The port the demo listens on. */
  public int port() {
    return tomcat.getConnector().getLocalPort();
  }

  /** The run-time switches every filter of this demo reads; flip them here or over HTTP. */
  public ComponentSwitches switches() {
    return switches;
  }

  /** Stops Tomcat, the heartbeat worker and the readiness aggregator. */
  @Override
  public void close() throws LifecycleException {
    stop(tomcat, readiness, worker);
  }

  private static void stop(Tomcat tomcat, ReadinessAggregator readiness, ScheduledExecutorService worker)
      throws LifecycleException {
    // Readiness first: not ready from now on, and its check threads (which requests started) are told to
    // end before Tomcat stops, which otherwise reported them as left running by the application. A real
    // service would also wait a moment here for its load balancer to see the drain.
    try {
      readiness.markShuttingDown();
      worker.shutdownNow();
      readiness.close();
    } finally {
      tomcat.stop();
      tomcat.destroy();
    }
  }

  /** Starts the demo on the port given as the only argument, 8081 by default, until the JVM exits. */
  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
    ServletDemo demo = start(port);
    System.out.println("otto-servlet-demo listening on http://127.0.0.1:" + demo.port());
    demo.tomcat.getServer().await();
  }

  private static void addFilter(Context context, String name, Filter filter) {
    FilterDef definition = new FilterDef();
    definition.setFilterName(name);
    definition.setFilter(filter);
    definition.setAsyncSupported("true");
    context.addFilterDef(definition);
    FilterMap mapping = new FilterMap();
    mapping.setFilterName(name);
    mapping.addURLPattern("/*");
    mapping.setDispatcher(DispatcherType.REQUEST.name());
    mapping.setDispatcher(DispatcherType.ASYNC.name());
    mapping.setDispatcher(DispatcherType.ERROR.name());
    mapping.setDispatcher(DispatcherType.INCLUDE.name());
    context.addFilterMap(mapping);
  }

  private static void addServlet(Context context, String name, HttpServlet servlet, String path) {
    Tomcat.addServlet(context, name, servlet);
    context.addServletMapping(path, name);
  }

  /** Fails with a secret in the message; the client sees a bare 500 problem. */
  private static final class BoomServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
      throw new IllegalStateException("the secret is hunter2");
    }
  }

  /** Anything unmapped is a 404, sent the plain servlet way and turned into a problem by the filter. */
  private static final class NotFoundServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.sendError(HttpServletResponse.SC_NOT_FOUND);
    }
  }
}
