package dev.otto.ratelimit.servlet;

import dev.otto.testsupport.EmbeddedTomcat;
import dev.otto.testsupport.EmbeddedTomcat.RawResponse;
import jakarta.servlet.Filter;
import java.io.IOException;
import java.net.http.HttpResponse;
import org.apache.catalina.LifecycleException;

/**
 * The filter tests' server: one {@link EmbeddedTomcat} per test class with a filter slot that each test
 * fills with the {@link RateLimitFilter} it needs.
 *
 * <p>Servlets: {@code /api/*} answers {@code 200 {"message":"hello"}}; {@code /committed} writes and
 * flushes its body before returning, so the response is committed inside the chain.
 */
final class TomcatServer implements AutoCloseable {

  private final EmbeddedTomcat server;
  private volatile Filter filter = (request, response, chain) -> chain.doFilter(request, response);

  private TomcatServer() {
    server =
        EmbeddedTomcat.builder()
            .filter("rateLimit", (request, response, chain) -> filter.doFilter(request, response, chain))
            .servlet("/api/*", (request, response) -> {
              response.setContentType("application/json");
              response.getWriter().write("{\"message\":\"hello\"}");
            })
            .servlet("/committed", (request, response) -> {
              response.setContentType("text/plain");
              response.getWriter().write("done");
              response.flushBuffer();
            })
            .start();
  }

  static TomcatServer start() {
    return new TomcatServer();
  }

  /** Puts {@code filter} in front of every servlet, replacing the previous one. */
  void use(Filter filter) {
    this.filter = filter;
  }

  int port() {
    return server.port();
  }

  /** Sends a request to 127.0.0.1 (so the peer address is IPv4 loopback) with the given headers. */
  HttpResponse<String> send(String method, String path, String... headers) {
    return server.send(method, path, headers);
  }

  HttpResponse<String> get(String path, String... headers) {
    return server.get(path, headers);
  }

  /** See {@link EmbeddedTomcat#raw}. */
  RawResponse raw(byte[] head) {
    return server.raw(head);
  }

  @Override
  public void close() throws IOException, LifecycleException {
    server.close();
  }
}
