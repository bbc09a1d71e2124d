package dev.otto.servletdemo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The plain-servlet demo over real HTTP: the same problem and trace behaviour as the Spring demo. */
class ServletDemoTest {

  private static ServletDemo demo;
  private static final HttpClient client = HttpClient.newHttpClient();
  private static final JsonMapper json = JsonMapper.builder().build();

  @BeforeAll
  static void start() throws Exception {
    demo = ServletDemo.start(0);
  }

  @AfterAll
  static void stop() throws Exception {
    demo.close();
  }

  @Test
  void healthIsUpWithATraceId() throws Exception {
    HttpResponse<String> response = get("/health");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json.readTree(response.body()).get("status").asString()).isEqualTo("UP");
    assertThat(response.headers().firstValue("X-Trace-Id")).hasValueSatisfying(
        id -> assertThat(id).matches("[0-9a-f]{32}"));
  }

  @Test
  void boomIsA500ProblemWithoutTheSecret() throws Exception {
    HttpResponse<String> response = get("/api/boom");

    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(response.body()).doesNotContain("hunter2").doesNotContain("IllegalStateException");
    assertProblem(response, 500, "/api/boom");
  }

  @Test
  void sendErrorFromAServletBecomesAProblem() throws Exception {
    HttpResponse<String> response = get("/nowhere");

    assertThat(response.statusCode()).isEqualTo(404);
    assertProblem(response, 404, "/nowhere");
  }

  private static void assertProblem(HttpResponse<String> response, int status, String instance) {
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("instance").asString()).isEqualTo(instance);
    assertThat(problem.get("traceId").asString())
        .isEqualTo(response.headers().firstValue("X-Trace-Id").orElseThrow());
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.port() + path)).GET().build(),
        BodyHandlers.ofString());
  }
}
