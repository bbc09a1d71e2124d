package dev.otto.problem.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.otto.problem.Problem;
import dev.otto.problem.testing.CapturedLogs;
import dev.otto.testsupport.EmbeddedTomcat;
import dev.otto.problem.trace.TraceIdFilter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The writer used directly by servlets inside a real Tomcat, as the rate-limit filter would. */
class ProblemResponseWriterTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static final List<Problem> notified = new CopyOnWriteArrayList<>();
  // Only reliable for a committed response: otherwise the client may see the response before write()
  // returns, since the container completes it as soon as Content-Length bytes are written.
  private static final AtomicReference<Boolean> lastResult = new AtomicReference<>();
  private static EmbeddedTomcat server;

  @BeforeAll
  static void start() {
    ProblemResponseWriter writer = ProblemResponseWriter.builder()
        .listener((problem, request) -> {
          throw new IllegalStateException("broken listener");
        })
        .listener((problem, request) -> notified.add(problem))
        .build();
    server = EmbeddedTomcat.builder()
        .filter("trace", TraceIdFilter.create())
        .servlet("/rate-limited", (req, resp) -> {
          resp.setHeader("Retry-After", "30");
          resp.setHeader("RateLimit", "limit=10, remaining=0, reset=30");
          lastResult.set(writer.write(req, resp, Problem.builder(429).detail("Slow down").build()));
        })
        .servlet("/cacheable", (req, resp) -> {
          resp.setHeader("Cache-Control", "max-age=60");
          lastResult.set(writer.write(req, resp, Problem.of(404)));
        })
        .servlet("/own-members", (req, resp) -> lastResult.set(writer.write(req, resp,
            Problem.builder(400).instance("/custom").extension("traceId", "mine").build())))
        .servlet("/committed", (req, resp) -> {
          resp.getOutputStream().write("done".getBytes(StandardCharsets.UTF_8));
          resp.flushBuffer();
          lastResult.set(writer.write(req, resp, Problem.of(500)));
        })
        .servlet("/writer-used", (req, resp) -> {
          resp.getWriter().write("discarded");
          lastResult.set(writer.write(req, resp, Problem.builder(400).detail("Grüße € 🚀").build()));
        })
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void reset() {
    notified.clear();
    lastResult.set(null);
  }

  @Test
  void keepsHeadersSetBeforeAndMarksTheProblemUncacheable() {
    HttpResponse<String> response = server.get("/rate-limited");

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("Retry-After")).hasValue("30");
    assertThat(response.headers().firstValue("RateLimit")).hasValue("limit=10, remaining=0, reset=30");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(response.headers().firstValue("Content-Length"))
        .hasValue(Integer.toString(response.body().getBytes(StandardCharsets.UTF_8).length));
    JsonNode json = JSON.readTree(response.body());
    assertThat(json.get("detail").stringValue()).isEqualTo("Slow down");
    assertThat(json.get("instance").stringValue()).isEqualTo("/rate-limited");
    assertThat(json.get("traceId").stringValue())
        .isEqualTo(response.headers().firstValue("X-Trace-Id").orElseThrow());
  }

  @Test
  void keepsACacheControlTheCallerChose() {
    HttpResponse<String> response = server.get("/cacheable");

    assertThat(response.headers().allValues("Cache-Control")).containsExactly("max-age=60");
  }

  @Test
  void keepsTheProblemsOwnInstanceAndTraceId() {
    JsonNode json = JSON.readTree(server.get("/own-members").body());

    assertThat(json.get("instance").stringValue()).isEqualTo("/custom");
    assertThat(json.get("traceId").stringValue()).isEqualTo("mine");
  }

  @Test
  void writesNothingAndReturnsFalseWhenTheResponseIsCommitted() {
    HttpResponse<String> response = server.get("/committed");

    assertThat(lastResult.get()).isFalse();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("done");
    assertThat(notified).isEmpty();
  }

  @Test
  void notifiesListenersWithTheCompletedProblemAndIgnoresAFailingOne() {
    try (CapturedLogs logs = CapturedLogs.of(ProblemResponseWriter.class)) {
      HttpResponse<String> response = server.get("/rate-limited");

      assertThat(response.statusCode()).isEqualTo(429);
      assertThat(notified).singleElement().satisfies(problem -> {
        assertThat(problem.status()).isEqualTo(429);
        assertThat(problem.instance()).isEqualTo("/rate-limited");
        assertThat(problem.extensions()).containsKey("traceId");
      });
      assertThat(logs.at(Level.WARN)).singleElement().satisfies(event ->
          assertThat(event.getThrowableProxy().getMessage()).isEqualTo("broken listener"));
    }
  }

  @Test
  void writesThroughTheWriterAsEscapedAsciiWhenTheApplicationAlreadyUsedIt() {
    HttpResponse<String> response = server.get("/writer-used");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/problem+json");
    assertThat(response.body()).doesNotContain("discarded").isASCII();
    assertThat(JSON.readTree(response.body()).get("detail").stringValue()).isEqualTo("Grüße € 🚀");
  }
}
