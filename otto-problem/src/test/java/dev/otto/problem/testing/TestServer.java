package dev.otto.problem.testing;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletException;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.ErrorPage;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/** A real embedded Tomcat 11 on a random port, with filters for REQUEST, ASYNC and ERROR dispatches. */
public final class TestServer implements AutoCloseable {

  /** A servlet body. */
  @FunctionalInterface
  public interface Handler {
    void handle(HttpServletRequest request, HttpServletResponse response)
        throws IOException, ServletException;
  }

  // Tomcat logs through java.util.logging; keep its startup chatter out of the test output.
  private static final java.util.logging.Logger TOMCAT_LOG = quiet();

  private final Tomcat tomcat;
  private final Path baseDir;
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();

  private TestServer(Builder builder) throws IOException, LifecycleException {
    baseDir = Files.createTempDirectory("otto-tomcat");
    tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    tomcat.setPort(0);
    tomcat.getConnector();
    Path docBase = Files.createDirectories(baseDir.resolve("docs"));
    Context context = tomcat.addContext("", docBase.toString());
    if (builder.defaultErrorPage) {
      ErrorPage errorPage = new ErrorPage();
      errorPage.setLocation("/error");
      context.addErrorPage(errorPage);
    }
    for (Map.Entry<String, Filter> entry : builder.filters.entrySet()) {
      FilterDef def = new FilterDef();
      def.setFilterName(entry.getKey());
      def.setFilter(entry.getValue());
      def.setAsyncSupported("true");
      context.addFilterDef(def);
      FilterMap map = new FilterMap();
      map.setFilterName(entry.getKey());
      map.addURLPattern("/*");
      map.setDispatcher(DispatcherType.REQUEST.name());
      map.setDispatcher(DispatcherType.ASYNC.name());
      map.setDispatcher(DispatcherType.ERROR.name());
      map.setDispatcher(DispatcherType.INCLUDE.name());
      context.addFilterMap(map);
    }
    Tomcat.addServlet(context, "default", new DefaultServlet());
    context.addServletMapping("/", "default");
    int i = 0;
    for (Map.Entry<String, Handler> entry : builder.servlets.entrySet()) {
      String name = "servlet-" + i++;
      Handler handler = entry.getValue();
      Tomcat.addServlet(context, name, new HttpServlet() {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp)
            throws IOException, ServletException {
          handler.handle(req, resp);
        }
      }).setAsyncSupported(true);
      context.addServletMapping(entry.getKey(), name);
    }
    tomcat.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  public URI uri(String path) {
    return URI.create("http://localhost:" + tomcat.getConnector().getLocalPort() + path);
  }

  public HttpClient client() {
    return client;
  }

  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
  }

  public HttpResponse<String> get(String path, String... headers) {
    HttpRequest.Builder request = request(path).GET();
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request.build());
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws LifecycleException, IOException {
    tomcat.stop();
    tomcat.destroy();
    try (Stream<Path> files = Files.walk(baseDir)) {
      List<Path> paths = new ArrayList<>(files.sorted(Comparator.reverseOrder()).toList());
      for (Path path : paths) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static java.util.logging.Logger quiet() {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger("org.apache");
    logger.setLevel(Level.SEVERE);
    return logger;
  }

  /** Configures a {@link TestServer}. */
  public static final class Builder {

    private final Map<String, Filter> filters = new LinkedHashMap<>();
    private final Map<String, Handler> servlets = new LinkedHashMap<>();
    private boolean defaultErrorPage;

    private Builder() {}

    /** Adds a filter for /*, after those added before. */
    public Builder filter(String name, Filter filter) {
      filters.put(name, filter);
      return this;
    }

    public Builder servlet(String pattern, Handler handler) {
      servlets.put(pattern, handler);
      return this;
    }

    /**
     * Registers a default error page at /error, so the container makes ERROR dispatches; a servlet mapped
     * there plays the framework's error controller.
     */
    public Builder defaultErrorPage() {
      this.defaultErrorPage = true;
      return this;
    }

    public TestServer start() {
      try {
        return new TestServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (LifecycleException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
