package dev.otto.ratelimit.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * A real embedded Tomcat 11 on a random port, with one filter slot that each test fills with the
 * {@link RateLimitFilter} it needs, so one server serves a whole test class.
 *
 * <p>Servlets: {@code /api/*} answers {@code 200 {"message":"hello"}}; {@code /committed} writes and
 * flushes its body before returning, so the response is committed inside the chain.
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
    baseDir = Files.createTempDirectory("otto-ratelimit-tomcat");
    tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    tomcat.setPort(0);
    Connector connector = tomcat.getConnector();
    // As the demo does: header blocks up to 32 KB reach the filters, which must cope with them.
    connector.setProperty("maxHttpHeaderSize", "32768");
    connector.setProperty("maxHttpRequestHeaderSize", "32768");
    // As every production set-up does (Spring Boot included): Tomcat's own error pages for requests it
    // refuses before any filter runs carry no report, which would otherwise quote the offending header line.
    ErrorReportValve errorReport = new ErrorReportValve();
    errorReport.setShowReport(false);
    errorReport.setShowServerInfo(false);
    tomcat.getHost().getPipeline().addValve(errorReport);
    Context context = tomcat.addContext("", null);
    FilterDef def = new FilterDef();
    def.setFilterName("rateLimit");
    def.setFilter(new Filter() {
      @Override
      public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
          throws IOException, ServletException {
        filter.doFilter(request, response, chain);
      }
    });
    context.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("rateLimit");
    map.addURLPattern("/*");
    map.setDispatcher(DispatcherType.REQUEST.name());
    map.setDispatcher(DispatcherType.ERROR.name());
    context.addFilterMap(map);
    Tomcat.addServlet(context, "api", new HttpServlet() {
      @Override
      protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("application/json");
        response.getWriter().write("{\"message\":\"hello\"}");
      }
    });
    context.addServletMapping("/api/*", "api");
    Tomcat.addServlet(context, "committed", new HttpServlet() {
      @Override
      protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        response.setContentType("text/plain");
        response.getWriter().write("done");
        response.flushBuffer();
      }
    });
    context.addServletMapping("/committed", "committed");
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

  /** Sends a request to 127.0.0.1 (so the peer address is IPv4 loopback) with the given headers. */
  HttpResponse<String> send(String method, String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, HttpRequest.BodyPublishers.noBody());
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

  HttpResponse<String> get(String path, String... headers) {
    return send("GET", path, headers);
  }

  /**
   * Sends {@code head} (request line and header lines, each ending in CRLF, without the blank line) as raw
   * bytes over a socket, with {@code Connection: close}, and returns everything the server answered.
   */
  RawResponse raw(byte[] head) {
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(head);
      out.write("Connection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return new RawResponse(answer.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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

  /** A raw HTTP/1.1 answer, read as ISO-8859-1 so every byte is one character. */
  record RawResponse(byte[] bytes) {

    String text() {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    int status() {
      String text = text();
      return Integer.parseInt(text.substring(9, 12));
    }

    List<String> headerLines() {
      String text = text();
      int end = text.indexOf("\r\n\r\n");
      return List.of(text.substring(0, end < 0 ? text.length() : end).split("\r\n"));
    }
  }
}
