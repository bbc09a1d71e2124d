package dev.otto.testsupport;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.descriptor.web.ErrorPage;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * A real embedded Tomcat 11 on a random loopback port, for tests that must see Otto's filters inside a
 * servlet container rather than against mock requests.
 *
 * <p>Set up like production: request header blocks up to 32 KB reach the filters (as in the demo), and
 * Tomcat's own error report is off, so a request Tomcat refuses before any filter runs never has its
 * header lines quoted back. Filters are mapped to {@code /*} for REQUEST, ASYNC, ERROR and INCLUDE
 * dispatches, in the order added.
 *
 * <pre>{@code
 * try (EmbeddedTomcat server = EmbeddedTomcat.builder()
 *     .filter("problem", ProblemFilter.create())
 *     .servlet("/boom", (request, response) -> { throw new IllegalStateException("secret"); })
 *     .start()) {
 *   HttpResponse<String> response = server.get("/boom");
 * }
 * }</pre>
 */
public final class EmbeddedTomcat implements AutoCloseable {

  /** A servlet body. */
  @FunctionalInterface
  public interface Handler {
    void handle(HttpServletRequest request, HttpServletResponse response)
        throws IOException, ServletException;
  }

  /** Header blocks this large reach the filters, as the demo's contract requires. */
  public static final int MAX_HEADER_BYTES = 32 * 1024;

  // Tomcat logs through java.util.logging; keep its start-up chatter out of test output. Held in a field
  // because java.util.logging keeps loggers only weakly.
  private static final java.util.logging.Logger TOMCAT_LOG = quietTomcat();

  private final Tomcat tomcat;
  private final Path baseDir;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private EmbeddedTomcat(Builder builder) throws IOException, LifecycleException {
    baseDir = Files.createTempDirectory("otto-tomcat");
    tomcat = new Tomcat();
    tomcat.setBaseDir(baseDir.toString());
    tomcat.setPort(0);
    tomcat.getConnector().setProperty("address", "127.0.0.1");
    tomcat.getConnector().setProperty("maxHttpHeaderSize", String.valueOf(MAX_HEADER_BYTES));
    tomcat.getConnector().setProperty("maxHttpRequestHeaderSize", String.valueOf(MAX_HEADER_BYTES));
    ErrorReportValve quietErrors = new ErrorReportValve();
    quietErrors.setShowReport(false);
    quietErrors.setShowServerInfo(false);
    tomcat.getHost().getPipeline().addValve(quietErrors);

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
    context.addServletMappingDecoded("/", "default");
    int i = 0;
    for (Map.Entry<String, Handler> entry : builder.servlets.entrySet()) {
      String name = "servlet-" + i++;
      Handler handler = entry.getValue();
      Tomcat.addServlet(
              context,
              name,
              new HttpServlet() {
                @Override
                protected void service(HttpServletRequest request, HttpServletResponse response)
                    throws IOException, ServletException {
                  handler.handle(request, response);
                }
              })
          .setAsyncSupported(true);
      context.addServletMappingDecoded(entry.getKey(), name);
    }
    tomcat.start();
  }

  /** Starts configuring a server. */
  public static Builder builder() {
    return new Builder();
  }

  /** The port the server listens on, on 127.0.0.1. */
  public int port() {
    return tomcat.getConnector().getLocalPort();
  }

  /** The URI of {@code path} on this server. */
  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  /** The HTTP/1.1 client the convenience methods use. */
  public HttpClient client() {
    return client;
  }

  /** A request to {@code path} with a generous timeout, for tests that need more than {@link #get}. */
  public HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
  }

  /** Sends a GET with the given header name/value pairs. */
  public HttpResponse<String> get(String path, String... headers) {
    return send("GET", path, headers);
  }

  /** Sends a body-less request with the given method and header name/value pairs. */
  public HttpResponse<String> send(String method, String path, String... headers) {
    HttpRequest.Builder request = request(path).method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request.build());
  }

  /** Sends {@code request} and reads the body as a string. */
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

  /**
   * Sends {@code head} (request line and header lines, each ending in CRLF, without the blank line) as
   * raw bytes, adds {@code Connection: close}, and returns everything the server answered: for header
   * values an HTTP client library refuses to send.
   */
  public RawResponse raw(byte[] head) {
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

  /** Stops the server and deletes its working directory. */
  @Override
  public void close() throws LifecycleException, IOException {
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

  /** A raw HTTP/1.1 answer, read as ISO-8859-1 so that every byte is one character. */
  public record RawResponse(byte[] bytes) {

    /** The whole answer as text. */
    public String text() {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    /** The status code from the status line. */
    public int status() {
      return Integer.parseInt(text().substring(9, 12));
    }

    /** The status line and header lines. */
    public List<String> headerLines() {
      String text = text();
      int end = text.indexOf("\r\n\r\n");
      return List.of(text.substring(0, end < 0 ? text.length() : end).split("\r\n"));
    }
  }

  /** Configures an {@link EmbeddedTomcat}. */
  public static final class Builder {

    private final Map<String, Filter> filters = new LinkedHashMap<>();
    private final Map<String, Handler> servlets = new LinkedHashMap<>();
    private boolean defaultErrorPage;

    private Builder() {}

    /** Adds a filter for {@code /*}, after those added before. */
    public Builder filter(String name, Filter filter) {
      filters.put(name, filter);
      return this;
    }

    /** Maps {@code handler} to a servlet URL pattern. */
    public Builder servlet(String pattern, Handler handler) {
      servlets.put(pattern, handler);
      return this;
    }

    /**
     * Registers a default error page at {@code /error}, so the container makes ERROR dispatches; a
     * servlet mapped there plays a framework's error controller.
     */
    public Builder defaultErrorPage() {
      this.defaultErrorPage = true;
      return this;
    }

    /** Starts the server; it accepts requests when this returns. */
    public EmbeddedTomcat start() {
      try {
        return new EmbeddedTomcat(this);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (LifecycleException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
