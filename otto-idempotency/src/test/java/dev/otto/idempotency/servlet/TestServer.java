package dev.otto.idempotency.servlet;

import dev.otto.testsupport.EmbeddedTomcat;
import dev.otto.testsupport.EmbeddedTomcat.Handler;
import dev.otto.testsupport.EmbeddedTomcat.RawResponse;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.concurrent.CompletableFuture;
import org.apache.catalina.LifecycleException;

/**
 * The filter tests' server: a real embedded Tomcat 11 with a filter slot and a handler slot that each test
 * fills. In front of the idempotency filter, an "authentication" filter turns the header {@code X-User}
 * into the request's user principal, so the filter's default principal function is what scopes keys. One
 * servlet at {@code /*} calls the current handler.
 */
final class TestServer implements AutoCloseable {

  private final EmbeddedTomcat server;
  private volatile Filter filter = (request, response, chain) -> chain.doFilter(request, response);
  private volatile Handler handler = (request, response) -> response.setStatus(204);

  private TestServer() {
    server = EmbeddedTomcat.builder()
        .filter("authentication", (request, response, chain) -> {
          HttpServletRequest http = (HttpServletRequest) request;
          String user = http.getHeader("X-User");
          chain.doFilter(user == null ? request : new HttpServletRequestWrapper(http) {
            @Override
            public Principal getUserPrincipal() {
              return () -> user;
            }
          }, response);
        })
        .filter("idempotency", (request, response, chain) -> filter.doFilter(request, response, chain))
        .servlet("/*", (request, response) -> handler.handle(request, response))
        .start();
  }

  static TestServer start() {
    return new TestServer();
  }

  /** Puts {@code filter} in the idempotency slot, replacing the previous one. */
  void use(Filter filter) {
    this.filter = filter;
  }

  /** Makes {@code handler} answer every request. */
  void handle(Handler handler) {
    this.handler = handler;
  }

  HttpRequest.Builder request(String path) {
    return server.request(path);
  }

  /** POSTs {@code body} as JSON with the given header name/value pairs. */
  HttpResponse<byte[]> post(String path, String body, String... headers) {
    return send(postRequest(path, "application/json", body, headers));
  }

  CompletableFuture<HttpResponse<byte[]>> postAsync(String path, String body, String... headers) {
    return server.client().sendAsync(postRequest(path, "application/json", body, headers),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  HttpRequest postRequest(String path, String contentType, String body, String... headers) {
    HttpRequest.Builder request = request(path)
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return request.build();
  }

  HttpResponse<byte[]> send(HttpRequest request) {
    try {
      return server.client().send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The port the server listens on, on 127.0.0.1, for tests that drive a raw socket. */
  int port() {
    return server.port();
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
