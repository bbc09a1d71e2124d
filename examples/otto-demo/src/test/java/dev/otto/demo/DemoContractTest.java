package dev.otto.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The parts of {@code shared/CONTRACT.md} the demo answers so far, exercised over real HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DemoContractTest {

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final JsonMapper json = JsonMapper.builder().build();

  @LocalServerPort int port;

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void healthIsUpAndCarriesATraceId() throws Exception {
    HttpResponse<String> response = send(get("/health"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json.readTree(response.body()).get("status").asString()).isEqualTo("UP");
    assertThat(response.headers().firstValue("X-Trace-Id")).hasValueSatisfying(this::isTraceId);
  }

  @Test
  void aValidTraceparentSuppliesTheTraceId() throws Exception {
    HttpResponse<String> response =
        send(get("/health").header("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01"));

    assertThat(response.headers().firstValue("X-Trace-Id")).contains(TRACE_ID);
  }

  @Test
  void aFutureVersionTraceparentSuppliesTheTraceIdAsW3cAsks() throws Exception {
    for (String traceparent :
        new String[] {
          "01-" + TRACE_ID + "-00f067aa0ba902b7-01",
          "01-" + TRACE_ID + "-00f067aa0ba902b7-01-future",
        }) {
      HttpResponse<String> response = send(get("/health").header("traceparent", traceparent));

      assertThat(response.headers().firstValue("X-Trace-Id")).as(traceparent).contains(TRACE_ID);
    }
  }

  @Test
  void malformedOrAllZeroTraceparentIsIgnoredAndNeverEchoed() throws Exception {
    for (String traceparent :
        new String[] {
          "00-" + TRACE_ID.toUpperCase() + "-00f067aa0ba902b7-01",
          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
          "00-" + TRACE_ID + "-0000000000000000-01",
          "garbage",
          "00-" + TRACE_ID + "-00f067aa0ba902b7-01-extra",
          "ff-" + TRACE_ID + "-00f067aa0ba902b7-01",
          "01-" + TRACE_ID + "-00f067aa0ba902b7-01x",
        }) {
      HttpResponse<String> response = send(get("/health").header("traceparent", traceparent));

      String traceId = response.headers().firstValue("X-Trace-Id").orElseThrow();
      isTraceId(traceId);
      assertThat(traceId).isNotEqualTo(TRACE_ID).isNotEqualTo(TRACE_ID.toUpperCase());
      assertThat(response.body()).doesNotContain(traceparent);
    }
  }

  @Test
  void boomIsA500ProblemThatRevealsNothing() throws Exception {
    HttpResponse<String> response = send(get("/api/boom"));

    assertThat(response.statusCode()).isEqualTo(500);
    JsonNode problem = problem(response, 500, "/api/boom");
    assertThat(problem.get("title").asString()).isEqualTo("Internal Server Error");
    assertThat(response.body())
        .doesNotContain("hunter2")
        .doesNotContain("IllegalStateException")
        .doesNotContain("java.")
        .doesNotContain("at dev.otto");
  }

  @Test
  void unknownPathIsA404Problem() throws Exception {
    HttpResponse<String> response = send(get("/no/such/path"));

    assertThat(response.statusCode()).isEqualTo(404);
    problem(response, 404, "/no/such/path");
  }

  @Test
  void wrongMethodIsA405ProblemWithAllow() throws Exception {
    HttpResponse<String> response =
        send(request("/api/payments/count").method("DELETE", BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(405);
    JsonNode problem = problem(response, 405, "/api/payments/count");
    // Only Spring MVC's own wording names the method: proof the MVC handler, not sendError, answered.
    assertThat(problem.get("detail").asString()).contains("DELETE");
    assertThat(response.headers().firstValue("Allow")).hasValueSatisfying(
        allow -> assertThat(allow).contains("GET"));
  }

  @Test
  void a405AllowsHeadWhereGetIsAllowed() throws Exception {
    HttpResponse<String> response =
        send(request("/api/payments/count").PUT(BodyPublishers.ofString("{}")));

    assertThat(response.statusCode()).isEqualTo(405);
    assertThat(response.headers().firstValue("Allow")).hasValueSatisfying(
        allow -> assertThat(allow.split(",\\s*")).contains("GET", "HEAD"));
  }

  @Test
  void wrongMethodOnTheHealthEndpointsIsA405ProblemWithAllow() throws Exception {
    HttpResponse<String> response = send(request("/health").method("DELETE", BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(405);
    problem(response, 405, "/health");
    assertThat(response.headers().firstValue("Allow")).hasValueSatisfying(
        allow -> assertThat(allow).contains("GET"));
  }

  @Test
  void unsupportedMediaTypeIsA415Problem() throws Exception {
    HttpResponse<String> response =
        send(request("/api/payments")
            .header("Idempotency-Key", "media-" + UUID.randomUUID())
            .header("Content-Type", "text/plain")
            .POST(BodyPublishers.ofString("amount=1")));

    assertThat(response.statusCode()).isEqualTo(415);
    problem(response, 415, "/api/payments");
  }

  @Test
  void malformedJsonIsA400Problem() throws Exception {
    HttpResponse<String> response =
        send(request("/api/payments")
            .header("Idempotency-Key", "malformed-" + UUID.randomUUID())
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString("{\"amount\": ")));

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode problem = problem(response, 400, "/api/payments");
    assertThat(problem.get("detail").asString()).isNotBlank();
    assertThat(response.body()).doesNotContain("tools.jackson").doesNotContain("Exception");
  }

  @Test
  void invalidHeartbeatIsA400Problem() throws Exception {
    HttpResponse<String> response = heartbeat("application/json", "{\"worker\": \"\"}");

    problem(response, 400, "/internal/worker/heartbeat");
  }

  @Test
  void heartbeatIsAccepted() throws Exception {
    HttpResponse<String> response = heartbeat("application/json", "{\"worker\": \"worker-1\"}");

    assertThat(response.statusCode()).isEqualTo(204);
  }

  @Test
  void heartbeatThatIsNotDeclaredAsJsonIsA415Problem() throws Exception {
    List<HttpResponse<String>> responses = List.of(
        heartbeat("application/xml", "<worker>w2</worker>"),
        heartbeat("text/plain", "{\"worker\":\"w2\"}"),
        heartbeat(null, "{\"worker\":\"w2\"}"));

    for (HttpResponse<String> response : responses) {
      assertThat(response.statusCode()).isEqualTo(415);
      problem(response, 415, "/internal/worker/heartbeat");
      assertThat(response.headers().firstValue("Accept-Post")).hasValueSatisfying(
          accepted -> assertThat(accepted).contains("application/json"));
    }
  }

  @Test
  void oversizedTraceparentWithinTheHeaderLimitIsIgnored() throws Exception {
    String huge = "00-" + "a".repeat(20_000);
    HttpResponse<String> response = send(get("/health").header("traceparent", huge));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Trace-Id")).hasValueSatisfying(this::isTraceId);
  }

  @Test
  void aRequestTomcatRejectsBeforeAnyFilterIsStillAProblemWithATraceId() throws Exception {
    String answer = RawHttp.malformedHeader(port);

    assertThat(answer).startsWith("HTTP/1.1 400");
    assertThat(answer).containsIgnoringCase("Content-Type: application/problem+json");
    assertThat(answer).containsPattern("(?i)X-Trace-Id: [0-9a-f]{32}");
    assertThat(answer).contains("\"status\":400").doesNotContain("X-Bad").doesNotContain("<html");
  }

  @Test
  void aRequestTargetTomcatCannotParseIsA400ProblemWhoseInstanceRepeatsNothing() throws Exception {
    // Tomcat stops at the first character RFC 3986 forbids and keeps no request path to report.
    for (String target : List.of("/health?a=b|c", "/foo|bar", "/api/greeting{x}",
        "/" + "a".repeat(20_000) + "|", "/\"},\"x\":\"|")) {
      String answer = raw("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

      assertThat(answer).as(target).startsWith("HTTP/1.1 400");
      JsonNode problem = rawProblem(answer, 400, "/");
      assertThat(problem.toString()).as(target)
          .doesNotContain("|").doesNotContain("a=b").doesNotContain("aaaa").doesNotContain("greeting");
    }
  }

  @Test
  void aRequestTomcatRejectsAfterParsingItsTargetNamesThePathButNotTheQuery() throws Exception {
    String answer = raw(
        "GET /api/greeting?secret=1 HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\nConnection: close\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 400");
    rawProblem(answer, 400, "/api/greeting");
    assertThat(answer).doesNotContain("secret");
  }

  @Test
  void prometheusCountsProblemResponses() throws Exception {
    send(get("/api/boom"));

    HttpResponse<String> response = send(get("/actuator/prometheus"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("otto_problem_responses_total{").contains("status=\"500\"");
  }

  private JsonNode problem(HttpResponse<String> response, int status, String instance)
      throws IOException {
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.get("type").asString()).isNotBlank();
    assertThat(problem.get("title").asString()).isNotBlank();
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("instance").asString()).isEqualTo(instance);
    assertThat(problem.get("traceId").asString())
        .isEqualTo(response.headers().firstValue("X-Trace-Id").orElseThrow());
    return problem;
  }

  /** Checks a raw HTTP/1.1 answer the way {@link #problem} checks a parsed one. */
  private JsonNode rawProblem(String answer, int status, String instance) throws IOException {
    assertThat(answer).containsIgnoringCase("Content-Type: application/problem+json");
    JsonNode problem = json.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("instance").asString()).isEqualTo(instance);
    isTraceId(problem.get("traceId").asString());
    assertThat(answer).containsIgnoringCase("X-Trace-Id: " + problem.get("traceId").asString());
    return problem;
  }

  private String raw(String head) throws IOException {
    return RawHttp.exchange(port, head);
  }

  private void isTraceId(String value) {
    assertThat(value).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
  }

  private HttpRequest.Builder get(String path) {
    return request(path).GET();
  }

  private HttpResponse<String> heartbeat(@Nullable String contentType, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = request("/internal/worker/heartbeat").POST(BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return send(request);
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return client.send(request.build(), BodyHandlers.ofString());
  }
}
