package dev.otto.servletdemo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.core.ComponentSwitch;
import dev.otto.core.Mode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The plain-servlet demo over real HTTP: every component wired by hand, and switched at run time through
 * {@code /admin/switches}. Each test uses its own API key and idempotency key, and the switches are reset
 * after each, so the tests share one server without sharing state.
 */
class ServletDemoTest {

  private static final String PAYMENT = "{\"amount\":100,\"currency\":\"EUR\"}";

  private static ServletDemo demo;
  private static final HttpClient client = HttpClient.newHttpClient();
  private static final JsonMapper json = JsonMapper.builder().build();

  private final String apiKey = "key-" + UUID.randomUUID();
  private final String idempotencyKey = "payment-" + UUID.randomUUID();

  @BeforeAll
  static void start() throws Exception {
    // The limiter's clock stands still, so each test's window never runs out while it is running.
    demo = ServletDemo.start(0, InstantSource.fixed(Instant.parse("2030-01-01T00:00:00Z")));
  }

  @AfterAll
  static void stop() throws Exception {
    demo.close();
  }

  @AfterEach
  void resetSwitches() {
    for (ComponentSwitch componentSwitch : demo.switches().all()) {
      componentSwitch.setEnabled(true);
      componentSwitch.setMode(Mode.ENFORCE);
    }
  }

  // ---- problems and trace ids ------------------------------------------------------------------------

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

  // ---- health ----------------------------------------------------------------------------------------

  @Test
  void healthIsUpWithATraceId() throws Exception {
    HttpResponse<String> response = get("/health");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json.readTree(response.body()).get("status").asString()).isEqualTo("UP");
    assertThat(response.headers().firstValue("X-Trace-Id")).hasValueSatisfying(
        id -> assertThat(id).matches("[0-9a-f]{32}"));
  }

  @Test
  void isReadyWhileTheInProcessWorkerBeats() throws Exception {
    HttpResponse<String> response = get("/ready");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = json.readTree(response.body());
    assertThat(body.get("ready").asBoolean()).isTrue();
    assertThat(body.get("service").asString()).isEqualTo("otto-servlet-demo");
    assertThat(body.get("components").get("workers").get("status").asString()).isEqualTo("UP");
    assertThat(body.get("components").get("workers").get("critical").asBoolean()).isTrue();
  }

  @Test
  void acceptsAWorkerHeartbeat() throws Exception {
    HttpResponse<String> response = post("/internal/worker/heartbeat", "{\"worker\":\"mailer-1\"}");

    assertThat(response.statusCode()).isEqualTo(204);
  }

  // ---- rate limiting ---------------------------------------------------------------------------------

  @Test
  void greetsTenTimesWithHeaderFieldsThenAnswers429() throws Exception {
    List<HttpResponse<String>> allowed = greetTimes(10);

    assertThat(allowed).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"greeting\";q=10;w=10");
      assertThat(response.headers().firstValue("RateLimit")).hasValueSatisfying(
          value -> assertThat(value).matches("\"greeting\";r=\\d+;t=\\d+"));
    });
    assertThat(json.readTree(allowed.get(0).body()).get("message").asString()).isEqualTo("hello");
    assertThat(allowed.get(0).headers().firstValue("Content-Type")).hasValue("application/json");

    HttpResponse<String> rejected = greet();

    assertThat(rejected.statusCode()).isEqualTo(429);
    assertThat(Long.parseLong(rejected.headers().firstValue("Retry-After").orElseThrow())).isPositive();
    assertThat(rejected.headers().firstValue("RateLimit")).hasValueSatisfying(
        value -> assertThat(value).startsWith("\"greeting\";r=0;"));
    assertProblem(rejected, 429, "/api/greeting");
  }

  @Test
  void wrongMethodsAre405ProblemsThatTheLimitNeitherCountsNorAnnotates() throws Exception {
    for (String method : List.of("DELETE", "POST", "PUT")) {
      for (int i = 1; i <= 12; i++) {
        HttpResponse<String> response = greet(method);

        assertThat(response.statusCode()).as("%s %d", method, i).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).as("%s %d", method, i).hasValue("GET, HEAD, OPTIONS");
        assertProblem(response, 405, "/api/greeting");
        assertThat(response.headers().firstValue("RateLimit")).as("%s %d", method, i).isEmpty();
        assertThat(response.headers().firstValue("RateLimit-Policy")).as("%s %d", method, i).isEmpty();
      }
    }

    assertThat(greet().headers().firstValue("RateLimit")).hasValueSatisfying(
        value -> assertThat(value).startsWith("\"greeting\";r=9;"));
  }

  @Test
  void headCountsAgainstTheGreetingBucketAndOptionsDoesNot() throws Exception {
    // HEAD runs the GET handler without the body, so it is limited as a GET; OPTIONS greets no one.
    HttpResponse<String> options = greet("OPTIONS");
    assertThat(options.statusCode()).isEqualTo(200);
    assertThat(options.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
    assertThat(options.headers().firstValue("RateLimit")).isEmpty();

    HttpResponse<String> head = greet("HEAD");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("RateLimit")).hasValueSatisfying(
        value -> assertThat(value).startsWith("\"greeting\";r=9;"));

    assertThat(greet().headers().firstValue("RateLimit")).hasValueSatisfying(
        value -> assertThat(value).startsWith("\"greeting\";r=8;"));
  }

  @Test
  void switchingRateLimitingOffLetsTheEleventhRequestPassAndOnAgainLimitsIt() throws Exception {
    greetTimes(10);
    assertThat(greet().statusCode()).isEqualTo(429);

    HttpResponse<String> off = post("/admin/switches/ratelimit", "{\"enabled\":false}");
    assertThat(off.statusCode()).isEqualTo(200);
    assertThat(json.readTree(off.body()).get("enabled").asBoolean()).isFalse();

    HttpResponse<String> passed = greet();
    assertThat(passed.statusCode()).isEqualTo(200);
    assertThat(passed.headers().firstValue("RateLimit")).isEmpty();
    assertThat(passed.headers().firstValue("RateLimit-Policy")).isEmpty();

    assertThat(post("/admin/switches/ratelimit", "{\"enabled\":true}").statusCode()).isEqualTo(200);

    HttpResponse<String> limited = greet();
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("RateLimit-Policy")).isPresent();
  }

  @Test
  void shadowModeObservesTheLimitWithoutEnforcingIt() throws Exception {
    assertThat(post("/admin/switches/ratelimit", "{\"mode\":\"shadow\"}").statusCode()).isEqualTo(200);

    List<HttpResponse<String>> responses = greetTimes(11);

    assertThat(responses).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("RateLimit")).isEmpty();
    });
    assertThat(post("/admin/switches/ratelimit", "{\"mode\":\"enforce\"}").statusCode()).isEqualTo(200);
    assertThat(greet().statusCode()).as("the shadow decisions were charged").isEqualTo(429);
  }

  // ---- idempotency -----------------------------------------------------------------------------------

  @Test
  void replaysAPaymentWithTheSameKeyWithoutRunningItAgain() throws Exception {
    HttpResponse<String> first = pay(PAYMENT);
    long executions = executions();

    HttpResponse<String> replay = pay(PAYMENT);

    assertThat(first.statusCode()).isEqualTo(201);
    JsonNode created = json.readTree(first.body());
    assertThat(UUID.fromString(created.get("id").asString())).isNotNull();
    assertThat(created.get("amount").asInt()).isEqualTo(100);
    assertThat(created.get("currency").asString()).isEqualTo("EUR");
    assertThat(replay.statusCode()).isEqualTo(201);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(executions()).isEqualTo(executions);
  }

  @Test
  void answers422ForTheSameKeyWithAnotherPayment() throws Exception {
    pay(PAYMENT);

    HttpResponse<String> other = pay("{\"amount\":5,\"currency\":\"EUR\"}");

    assertThat(other.statusCode()).isEqualTo(422);
    assertProblem(other, 422, "/api/payments");
  }

  @Test
  void storesAndReplaysTheProblemForANegativeAmount() throws Exception {
    String negative = "{\"amount\":-1,\"currency\":\"EUR\"}";
    HttpResponse<String> first = pay(negative);
    long executions = executions();

    HttpResponse<String> replay = pay(negative);

    assertThat(first.statusCode()).isEqualTo(400);
    assertProblem(first, 400, "/api/payments");
    assertThat(json.readTree(first.body()).get("errors").get(0).get("pointer").asString()).isEqualTo("#/amount");
    assertThat(replay.statusCode()).isEqualTo(400);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(executions()).isEqualTo(executions);
  }

  @Test
  void answers400ForMalformedJsonAndForAMissingKey() throws Exception {
    assertProblem(pay("{\"amount\":"), 400, "/api/payments");
    assertProblem(post("/api/payments", PAYMENT), 400, "/api/payments");
  }

  @Test
  void switchingIdempotencyOffRunsADuplicateAgain() throws Exception {
    HttpResponse<String> first = pay(PAYMENT);
    post("/admin/switches/idempotency", "{\"enabled\":false}");
    long executions = executions();

    HttpResponse<String> duplicate = pay(PAYMENT);

    assertThat(duplicate.statusCode()).isEqualTo(201);
    assertThat(duplicate.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(duplicate.body()).isNotEqualTo(first.body());
    assertThat(executions()).isEqualTo(executions + 1);
  }

  // ---- the switches ----------------------------------------------------------------------------------

  @Test
  void listsEverySwitchInOrder() throws Exception {
    HttpResponse<String> response = get("/admin/switches");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode list = json.readTree(response.body());
    assertThat(list.isArray()).isTrue();
    List<String> components = new ArrayList<>();
    list.forEach(entry -> {
      components.add(entry.get("component").asString());
      assertThat(entry.get("enabled").asBoolean()).isTrue();
      assertThat(entry.get("mode").asString()).isEqualTo("enforce");
    });
    assertThat(components).containsExactly("ratelimit", "idempotency", "problem", "trace", "health");
  }

  @Test
  void switchingTraceOffDropsTheTraceIdHeader() throws Exception {
    post("/admin/switches/trace", "{\"enabled\":false}");

    assertThat(get("/api/greeting").headers().firstValue("X-Trace-Id")).isEmpty();
  }

  @Test
  void switchingHealthOffLetsHealthFallThroughToA404() throws Exception {
    post("/admin/switches/health", "{\"enabled\":false}");

    HttpResponse<String> response = get("/health");

    assertThat(response.statusCode()).isEqualTo(404);
    assertProblem(response, 404, "/health");
  }

  @Test
  void answersAnUnknownComponentWith404() throws Exception {
    HttpResponse<String> response = post("/admin/switches/cache", "{\"enabled\":false}");

    assertThat(response.statusCode()).isEqualTo(404);
    assertProblem(response, 404, "/admin/switches/cache");
    assertThat(json.readTree(response.body()).get("detail").asString())
        .doesNotContain("cache").contains("ratelimit, idempotency, problem, trace, health");
  }

  @Test
  void answersABadBodyWith400AndChangesNothing() throws Exception {
    for (String body : List.of("", "{", "[]", "{}", "{\"enabled\":\"no\"}", "{\"mode\":\"observe\"}",
        "{\"enabled\":false,\"extra\":1}", "{\"enabled\":false,\"enabled\":true}")) {
      HttpResponse<String> response = post("/admin/switches/ratelimit", body);

      assertThat(response.statusCode()).as(body).isEqualTo(400);
      assertProblem(response, 400, "/admin/switches/ratelimit");
    }
    assertThat(demo.switches().find("ratelimit").orElseThrow().isEnabled()).isTrue();
  }

  @Test
  void refusesShadowModeForAComponentThatHasNone() throws Exception {
    HttpResponse<String> response = post("/admin/switches/trace", "{\"mode\":\"shadow\"}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(demo.switches().find("trace").orElseThrow().isShadow()).isFalse();
  }

  @Test
  void wrongMethodsOnPaymentsAre405ProblemsThatSayWhatIsAllowedAndRunNothing() throws Exception {
    long before = executions();

    HttpResponse<String> getPayments = get("/api/payments");
    HttpResponse<String> putPayments = send(request("/api/payments")
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(PAYMENT))
        .build());
    HttpResponse<String> postCount = post("/api/payments/count", PAYMENT);

    assertThat(getPayments.statusCode()).isEqualTo(405);
    assertThat(getPayments.headers().firstValue("Allow")).hasValue("POST, OPTIONS");
    assertProblem(getPayments, 405, "/api/payments");
    assertThat(putPayments.statusCode()).isEqualTo(405);
    assertThat(putPayments.headers().firstValue("Allow")).hasValue("POST, OPTIONS");
    assertThat(postCount.statusCode()).isEqualTo(405);
    assertThat(postCount.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
    assertProblem(postCount, 405, "/api/payments/count");
    assertThat(get("/api/payments/other").statusCode()).isEqualTo(404);
    assertThat(send(request("/api/payments").method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build())
        .headers().firstValue("Allow")).hasValue("POST, OPTIONS");
    assertThat(executions()).isEqualTo(before);
  }

  @Test
  void wrongMethodsOnSwitchesAre405ProblemsAndOptionsSaysWhatIsAllowed() throws Exception {
    HttpResponse<String> list = post("/admin/switches", "{\"enabled\":false}");
    HttpResponse<String> one = send(request("/admin/switches/ratelimit").DELETE().build());

    assertThat(list.statusCode()).isEqualTo(405);
    assertThat(list.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
    assertThat(one.statusCode()).isEqualTo(405);
    assertThat(one.headers().firstValue("Allow")).hasValue("GET, HEAD, POST, OPTIONS");
    HttpResponse<String> options = send(request("/admin/switches/ratelimit")
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
    assertThat(options.statusCode()).isEqualTo(200);
    assertThat(options.headers().firstValue("Allow")).hasValue("GET, HEAD, POST, OPTIONS");
    assertProblem(one, 405, "/admin/switches/ratelimit");
  }

  // ---- helpers ---------------------------------------------------------------------------------------

  private static void assertProblem(HttpResponse<String> response, int status, String instance) {
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.get("status").asInt()).isEqualTo(status);
    assertThat(problem.get("instance").asString()).isEqualTo(instance);
    assertThat(problem.get("traceId").asString())
        .isEqualTo(response.headers().firstValue("X-Trace-Id").orElseThrow());
  }

  private HttpResponse<String> greet() throws Exception {
    return greet("GET");
  }

  private HttpResponse<String> greet(String method) throws Exception {
    return send(request("/api/greeting")
        .header("X-Api-Key", apiKey)
        .method(method, HttpRequest.BodyPublishers.noBody())
        .build());
  }

  private List<HttpResponse<String>> greetTimes(int times) throws Exception {
    List<HttpResponse<String>> responses = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      responses.add(greet());
    }
    return responses;
  }

  private HttpResponse<String> pay(String body) throws Exception {
    return send(request("/api/payments")
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", idempotencyKey)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build());
  }

  private static long executions() throws Exception {
    return json.readTree(get("/api/payments/count").body()).get("executions").asLong();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return send(request(path).GET().build());
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return send(request(path)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build());
  }

  private static HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + demo.port() + path));
  }

  private static HttpResponse<String> send(HttpRequest request) throws Exception {
    return client.send(request, BodyHandlers.ofString());
  }
}
