package dev.otto.problem.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.otto.problem.Problem;
import dev.otto.problem.ProblemException;
import dev.otto.problem.testing.CapturedLogs;
import dev.otto.testsupport.EmbeddedTomcat;
import dev.otto.problem.trace.TraceIdFilter;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The error filter inside a real Tomcat, behind {@link TraceIdFilter}, as in production. */
class ProblemFilterTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String SECRET = "secret-token-123";
  private static final String FRAMEWORK_ERROR_PAGE = "framework error controller";

  static class OrderNotFoundException extends RuntimeException {
    OrderNotFoundException(String message) {
      super(message);
    }
  }

  static class BadlyMappedException extends RuntimeException {}

  private static EmbeddedTomcat server;

  @BeforeAll
  static void start() {
    ExceptionMappings mappings = ExceptionMappings.builder()
        .map(OrderNotFoundException.class, (e, request) -> Problem.builder(404)
            .detail("No such order")
            .build())
        .map(BadlyMappedException.class, (e, request) -> {
          throw new IllegalStateException("bug in mapping");
        })
        .build();
    server = EmbeddedTomcat.builder()
        .filter("trace", TraceIdFilter.create())
        .filter("problem", ProblemFilter.builder().exceptionMappings(mappings).build())
        .defaultErrorPage()
        .servlet("/error", (req, resp) -> {
          try {
            resp.getOutputStream().write(FRAMEWORK_ERROR_PAGE.getBytes(StandardCharsets.UTF_8));
          } catch (IllegalStateException writerInUse) {
            resp.getWriter().write(FRAMEWORK_ERROR_PAGE);
          }
        })
        .servlet("/boom", (req, resp) -> {
          throw new IllegalStateException(SECRET);
        })
        .servlet("/io", (req, resp) -> {
          throw new IOException(SECRET);
        })
        .servlet("/mapped", (req, resp) -> {
          throw new OrderNotFoundException(SECRET);
        })
        .servlet("/wrapped", (req, resp) -> {
          throw new ServletException("framework wrapper", new OrderNotFoundException(SECRET));
        })
        .servlet("/problem", (req, resp) -> {
          throw new ProblemException(Problem.builder(409)
              .type("https://example.com/problems/shipped")
              .title("Already shipped")
              .detail("Order 42 is already shipped")
              .instance("/orders/42")
              .extension("orderId", 42)
              .build());
        })
        .servlet("/bad-mapping", (req, resp) -> {
          throw new BadlyMappedException();
        })
        .servlet("/send-404", (req, resp) -> resp.sendError(404, "<h1>" + SECRET + "</h1>"))
        .servlet("/send-405", (req, resp) -> {
          resp.setHeader("Allow", "GET, POST");
          resp.sendError(405);
        })
        .servlet("/send-then-write", (req, resp) -> {
          resp.getWriter().write("before ");
          resp.sendError(404);
          assertThat(resp.isCommitted()).isTrue();
          assertThat(resp.getStatus()).isEqualTo(404);
          resp.getWriter().write(SECRET);
          resp.getWriter().flush();
          resp.flushBuffer();
          resp.setStatus(200);
          assertThat(resp.getStatus()).isEqualTo(404);
        })
        .servlet("/buffered", (req, resp) -> {
          resp.setContentType("text/plain");
          resp.getOutputStream().write("half a body".getBytes(StandardCharsets.UTF_8));
          throw new IllegalStateException(SECRET);
        })
        .servlet("/committed", (req, resp) -> {
          resp.setContentType("text/plain");
          resp.getOutputStream().write("partial-".getBytes(StandardCharsets.UTF_8));
          resp.flushBuffer();
          throw new IllegalStateException(SECRET);
        })
        .servlet("/includer", (req, resp) -> {
          resp.getWriter().write("page:");
          req.getRequestDispatcher("/included").include(req, resp);
        })
        .servlet("/included", (req, resp) -> resp.getWriter().write("fragment"))
        .servlet("/async-timeout", (req, resp) -> req.startAsync().setTimeout(50))
        .servlet("/async-throw", (req, resp) -> {
          AsyncContext async = req.startAsync();
          async.setTimeout(60_000);
          throw new IllegalStateException(SECRET);
        })
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  private static JsonNode body(HttpResponse<String> response) {
    return JSON.readTree(response.body());
  }

  private static void assertIsProblem(HttpResponse<String> response, int status) {
    assertIsProblem(response, status, "application/problem+json");
  }

  private static void assertIsProblem(HttpResponse<String> response, int status, String contentType) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(contentType);
    assertThat(response.body()).doesNotContain(FRAMEWORK_ERROR_PAGE);
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    JsonNode json = body(response);
    assertThat(json.get("status").intValue()).isEqualTo(status);
    assertThat(json.get("traceId").stringValue())
        .isEqualTo(response.headers().firstValue("X-Trace-Id").orElseThrow());
  }

  private static void assertRevealsNothing(HttpResponse<String> response) {
    assertThat(response.body())
        .doesNotContain(SECRET)
        .doesNotContain("Exception")
        .doesNotContain("java.")
        .doesNotContain("dev.otto")
        .doesNotContain("<html");
  }

  @Test
  void unmappedExceptionBecomesA500ThatRevealsNothing() {
    HttpResponse<String> response = server.get("/boom");

    assertIsProblem(response, 500);
    assertRevealsNothing(response);
    JsonNode json = body(response);
    assertThat(json.propertyNames()).containsExactly("type", "title", "status", "instance", "traceId");
    assertThat(json.get("type").stringValue()).isEqualTo("about:blank");
    assertThat(json.get("title").stringValue()).isEqualTo("Internal Server Error");
    assertThat(json.get("instance").stringValue()).isEqualTo("/boom");
  }

  @Test
  void unmappedExceptionIsLoggedOnceAtErrorWithStackTraceMethodPathAndTraceId() {
    try (CapturedLogs logs = CapturedLogs.of(ProblemFilter.class)) {
      HttpResponse<String> response = server.get("/boom");

      String traceId = response.headers().firstValue("X-Trace-Id").orElseThrow();
      List<ILoggingEvent> errors = logs.at(Level.ERROR);
      assertThat(errors).hasSize(1);
      ILoggingEvent error = errors.get(0);
      assertThat(error.getFormattedMessage()).contains("GET", "/boom", traceId);
      assertThat(error.getThrowableProxy().getClassName()).isEqualTo("java.lang.IllegalStateException");
      assertThat(error.getThrowableProxy().getStackTraceElementProxyArray()).isNotEmpty();
      assertThat(error.getMDCPropertyMap()).containsEntry("traceId", traceId);
    }
  }

  @Test
  void uncheckedAndCheckedExceptionsAreTreatedAlike() {
    HttpResponse<String> response = server.get("/io");

    assertIsProblem(response, 500);
    assertRevealsNothing(response);
  }

  @Test
  void mappedExceptionAnswersWithItsProblemAndIsNotLoggedAtError() {
    try (CapturedLogs logs = CapturedLogs.of(ProblemFilter.class)) {
      HttpResponse<String> response = server.get("/mapped");

      assertIsProblem(response, 404);
      assertThat(body(response).get("detail").stringValue()).isEqualTo("No such order");
      assertThat(body(response).get("instance").stringValue()).isEqualTo("/mapped");
      assertRevealsNothing(response);
      assertThat(logs.at(Level.ERROR)).isEmpty();
      assertThat(logs.at(Level.WARN)).isEmpty();
    }
  }

  @Test
  void exceptionWrappedInAServletExceptionIsMappedByItsCause() {
    HttpResponse<String> response = server.get("/wrapped");

    assertIsProblem(response, 404);
    assertThat(body(response).get("detail").stringValue()).isEqualTo("No such order");
  }

  @Test
  void problemExceptionAnswersWithItsExactProblem() {
    HttpResponse<String> response = server.get("/problem");

    assertIsProblem(response, 409);
    JsonNode json = body(response);
    assertThat(json.propertyNames())
        .containsExactly("type", "title", "status", "detail", "instance", "orderId", "traceId");
    assertThat(json.get("type").stringValue()).isEqualTo("https://example.com/problems/shipped");
    assertThat(json.get("title").stringValue()).isEqualTo("Already shipped");
    assertThat(json.get("detail").stringValue()).isEqualTo("Order 42 is already shipped");
    assertThat(json.get("instance").stringValue()).isEqualTo("/orders/42");
    assertThat(json.get("orderId").intValue()).isEqualTo(42);
  }

  @Test
  void failingMappingFallsBackToA500AndIsLogged() {
    try (CapturedLogs logs = CapturedLogs.of(ProblemFilter.class)) {
      HttpResponse<String> response = server.get("/bad-mapping");

      assertIsProblem(response, 500);
      assertThat(logs.at(Level.ERROR)).anySatisfy(event ->
          assertThat(event.getThrowableProxy().getMessage()).isEqualTo("bug in mapping"));
    }
  }

  @Test
  void sendErrorBecomesAProblemInsteadOfTheContainersHtmlPage() {
    HttpResponse<String> response = server.get("/send-404");

    assertIsProblem(response, 404);
    assertRevealsNothing(response);
    assertThat(body(response).propertyNames())
        .containsExactly("type", "title", "status", "instance", "traceId");
    assertThat(body(response).get("title").stringValue()).isEqualTo("Not Found");
  }

  @Test
  void sendErrorKeepsHeadersSetBeforeItSuchAsAllow() {
    HttpResponse<String> response = server.get("/send-405");

    assertIsProblem(response, 405);
    assertThat(response.headers().firstValue("Allow")).hasValue("GET, POST");
  }

  @Test
  void containerGenerated404ForAMissingResourceBecomesAProblem() {
    HttpResponse<String> response = server.get("/no-such-file.txt");

    assertIsProblem(response, 404);
    assertThat(body(response).get("instance").stringValue()).isEqualTo("/no-such-file.txt");
  }

  @Test
  void writesAfterSendErrorAreDiscardedAndTheResponseReportsItselfCommitted() {
    HttpResponse<String> response = server.get("/send-then-write");

    // The servlet used the writer before sendError, which fixed the charset; the body is then ASCII.
    assertIsProblem(response, 404, "application/problem+json;charset=ISO-8859-1");
    assertThat(response.body()).doesNotContain(SECRET).doesNotContain("before");
  }

  @Test
  void bufferedButUncommittedBodyIsReplacedByTheProblem() {
    HttpResponse<String> response = server.get("/buffered");

    assertIsProblem(response, 500);
    assertThat(response.body()).doesNotContain("half a body");
    assertThat(response.headers().firstValue("Content-Length"))
        .hasValue(Integer.toString(response.body().getBytes(StandardCharsets.UTF_8).length));
  }

  @Test
  void exceptionAfterTheResponseWasCommittedAbortsItInsteadOfAppendingAProblem() throws Exception {
    try (CapturedLogs logs = CapturedLogs.of(ProblemFilter.class)) {
      HttpResponse<InputStream> response = server.client().send(
          server.request("/committed").GET().build(), HttpResponse.BodyHandlers.ofInputStream());

      assertThat(response.statusCode()).isEqualTo(200);
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      IOException broken = null;
      try (InputStream in = response.body()) {
        byte[] buffer = new byte[256];
        for (int n; (n = in.read(buffer)) != -1; ) {
          received.write(buffer, 0, n);
        }
      } catch (IOException e) {
        broken = e;
      }

      assertThat(received.toString(StandardCharsets.UTF_8))
          .as("neither a problem nor the container's error page is appended")
          .isEqualTo("partial-");
      assertThat(broken).as("the truncated body must not look complete").isNotNull();
      assertThat(logs.at(Level.ERROR)).hasSize(1);
    }
  }

  @Test
  void ordinaryIncludesPassThroughUntouched() {
    HttpResponse<String> response = server.get("/includer");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("page:fragment");
  }

  @Test
  void headRequestGetsTheProblemHeadersWithoutABody() {
    HttpResponse<String> response = server.send(
        server.request("/boom").method("HEAD", HttpRequest.BodyPublishers.noBody()).build());

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(response.headers().firstValue("X-Trace-Id")).isPresent();
    assertThat(response.body()).isEmpty();
  }

  @Test
  void errorDispatchOfAnAsyncTimeoutIsAnsweredWithAProblem() {
    HttpResponse<String> response = server.get("/async-timeout");

    assertIsProblem(response, 500);
    assertThat(body(response).get("instance").stringValue()).isEqualTo("/async-timeout");
  }

  @Test
  void exceptionAfterStartAsyncIsAnsweredAtOnceWithoutWaitingForTheTimeout() {
    HttpResponse<String> response = server.get("/async-throw");

    assertIsProblem(response, 500);
    assertRevealsNothing(response);
  }
}
