package dev.otto.servletdemo;

import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ExceptionMappings;
import dev.otto.problem.servlet.ProblemFilter;
import dev.otto.problem.trace.TraceIdFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * A plain Jakarta Servlet service on embedded Tomcat with Otto's filters wired by hand.
 *
 * <p>Run it with {@code java -jar examples/otto-servlet-demo/target/otto-servlet-demo.jar [port]}
 * (default port 8081).
 */
public final class ServletDemo implements AutoCloseable {

  private final Tomcat tomcat;

  private ServletDemo(Tomcat tomcat) {
    this.tomcat = tomcat;
  }

  /** Starts the demo on {@code port} ({@code 0} picks a free one) and returns once it accepts requests. */
  public static ServletDemo start(int port) throws IOException, LifecycleException {
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(Files.createTempDirectory("otto-servlet-demo").toString());
    tomcat.setPort(port);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    // Tomcat rejects some malformed requests before any filter runs; its default error page would quote
    // the offending header line back to the client. Spring Boot turns the report off the same way.
    ErrorReportValve quietErrors = new ErrorReportValve();
    quietErrors.setShowReport(false);
    quietErrors.setShowServerInfo(false);
    tomcat.getHost().getPipeline().addValve(quietErrors);
    Context context = tomcat.addContext("", null);

    // Order matters: the trace id first, so that every problem and log line carries it.
    addFilter(context, "trace", TraceIdFilter.create());
    addFilter(
        context,
        "problem",
        ProblemFilter.builder()
            .exceptionMappings(
                ExceptionMappings.builder()
                    .map(IllegalArgumentException.class,
                        (ex, request) -> Problem.builder(400).detail("The request is invalid.").build())
                    .build())
            .build());

    addServlet(context, "health", "/health", new HealthServlet());
    addServlet(context, "boom", "/api/boom", new BoomServlet());
    addServlet(context, "notFound", "/", new NotFoundServlet());

    tomcat.start();
    return new ServletDemo(tomcat);
  }

  /** The port the demo listens on. */
  public int port() {
    return tomcat.getConnector().getLocalPort();
  }

  @Override
  public void close() throws LifecycleException {
    tomcat.stop();
    tomcat.destroy();
  }

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

  private static void addServlet(Context context, String name, String path, HttpServlet servlet) {
    Tomcat.addServlet(context, name, servlet);
    context.addServletMappingDecoded(path, name);
  }

  /** Liveness: answers without touching any dependency. */
  private static final class HealthServlet extends HttpServlet {
    private final JsonFactory json = new JsonFactory();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setContentType("application/json");
      try (JsonGenerator body =
          json.createGenerator(ObjectWriteContext.empty(), response.getOutputStream())) {
        body.writeStartObject();
        body.writeStringProperty("status", "UP");
        body.writeEndObject();
      }
    }
  }

  /** Fails with a secret in the message; the client sees a bare 500 problem. */
  private static final class BoomServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
      throw new IllegalStateException("the secret is hunter2");
    }
  }

  /** Anything unmapped is a 404, sent the plain servlet way and turned into a problem by the filter. */
  private static final class NotFoundServlet extends HttpServlet {
    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.sendError(HttpServletResponse.SC_NOT_FOUND);
    }
  }
}
