package dev.otto.health.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * A real embedded Tomcat 11 on a random port, with one filter slot that each test fills with the
 * {@link HealthEndpointsFilter} it needs, so one server serves a whole test class.
 *
 * <p>The servlet {@code /app/*} answers {@code 200 app}; the default servlet answers {@code 404}.
 */
final class TomcatServer implements AutoCloseable {

  // Tomcat logs through java.util.logging; keep its start-up chatter out of the test output.
  private static final java.util.logging.Logger TOMCAT_LOG = quietTomcat();

  private final Tomcat tomcat;
  private final Path baseDir;
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private volatile Filter filter = (request, response, chain) -> chain.doFilter(request, response);

  private TomcatServer() throws IOException, LifecycleException {
    baseDir = Files.createTempDirectory("otto-health-tomcat");
    tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    tomcat.setPort(0);
    tomcat.getConnector();
    ErrorReportValve errorReport = new ErrorReportValve();
    errorReport.setShowReport(false);
    errorReport.setShowServerInfo(false);
    tomcat.getHost().getPipeline().addValve(errorReport);
    Context context = tomcat.addContext("", null);
    FilterDef def = new FilterDef();
    def.setFilterName("health");
    def.setFilter(new Filter() {
      @Override
      public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
          throws IOException, ServletException {
        filter.doFilter(request, response, chain);
      }
    });
    context.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("health");
    map.addURLPattern("/*");
    map.setDispatcher(DispatcherType.REQUEST.name());
    context.addFilterMap(map);
    Tomcat.addServlet(context, "app", new HttpServlet() {
      @Override
      protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain");
        response.getWriter().write("app");
      }
    });
    context.addServletMapping("/app/*", "app");
    // As in any real application (Spring's DispatcherServlet, or the container's default servlet): some
    // servlet is mapped to every path, otherwise Tomcat answers 404 before any filter runs.
    Tomcat.addServlet(context, "default", new HttpServlet() {
      @Override
      protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.sendError(404);
      }
    });
    context.addServletMapping("/", "default");
    tomcat.start();
  }

  static TomcatServer start() {
    try {
      return new TomcatServer();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (LifecycleException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Puts {@code filter} in front of every servlet, replacing the previous one. */
  void use(Filter filter) {
    this.filter = filter;
  }

  int port() {
    return tomcat.getConnector().getLocalPort();
  }

  HttpResponse<String> get(String path) {
    return send("GET", path, HttpRequest.BodyPublishers.noBody());
  }

  HttpResponse<String> post(String path, String body) {
    return send("POST", path, HttpRequest.BodyPublishers.ofString(body), "Content-Type", "application/json");
  }

  HttpResponse<String> send(String method, String path, HttpRequest.BodyPublisher body, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, body);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws IOException, LifecycleException {
    tomcat.stop();
    tomcat.destroy();
    try (Stream<Path> files = Files.walk(baseDir)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static java.util.logging.Logger quietTomcat() {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger("org.apache");
    logger.setLevel(Level.SEVERE);
    return logger;
  }
}
