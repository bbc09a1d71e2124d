package dev.otto.health.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.health.FakeClock;
import dev.otto.health.Gate;
import dev.otto.health.HealthCheck;
import dev.otto.health.HealthCheckException;
import dev.otto.health.OddDetails;
import dev.otto.health.ReadinessAggregator;
import dev.otto.health.checks.WorkerHeartbeats;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

class HealthEndpointsFilterTest {

  private static final ObjectMapper JSON = JsonMapper.builder().build();
  private static final String HEARTBEAT = "/internal/worker/heartbeat";

  private static TomcatServer server;

  private final List<ReadinessAggregator> aggregators = new ArrayList<>();
  private final List<Gate> gates = new ArrayList<>();
  private final FakeClock clock = new FakeClock();
  private final WorkerHeartbeats heartbeats = WorkerHeartbeats.builder().clock(clock).build();

  @BeforeAll
  static void startServer() {
    server = TomcatServer.start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @AfterEach
  void closeAggregators() {
    gates.forEach(Gate::open);
    aggregators.forEach(ReadinessAggregator::close);
  }

  private ReadinessAggregator serve(boolean started, HealthCheck... checks) {
    ReadinessAggregator.Builder builder = ReadinessAggregator.builder()
        .defaultTimeout(Duration.ofMillis(300));
    for (HealthCheck check : checks) {
      builder.check(check);
    }
    ReadinessAggregator aggregator = builder.build();
    aggregators.add(aggregator);
    if (started) {
      aggregator.markStarted();
    }
    server.use(HealthEndpointsFilter.builder()
        .aggregator(aggregator)
        .service("otto-demo")
        .heartbeats(heartbeats)
        .build());
    return aggregator;
  }

  private static HealthCheck up(String name, boolean critical) {
    return HealthCheck.of(name, critical, timeout -> Map.of("active", 1));
  }

  private static HealthCheck down(String name, boolean critical) {
    return HealthCheck.of(name, critical, timeout -> {
      throw new HealthCheckException("cannot get a connection");
    });
  }

  private static JsonNode json(HttpResponse<String> response) {
    return JSON.readTree(response.body());
  }

  private static void assertProblem(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = json(response);
    assertThat(problem.get("status").asLong()).isEqualTo(status);
    assertThat(problem.get("instance").asString()).isEqualTo(HEARTBEAT);
  }

  @Test
  void livenessIsExactlyStatusUpAndTouchesNoCheck() {
    Gate hung = new Gate();
    gates.add(hung);
    serve(true, HealthCheck.of("database", true, hung));

    HttpResponse<String> response = server.get("/health");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"status\":\"UP\"}");
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(hung.runs()).isZero();
  }

  @Test
  void readinessHasExactlyTheContractShape() {
    serve(true, up("database", true), down("redis", false));

    HttpResponse<String> response = server.get("/ready");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = json(response);
    assertThat(body.propertyNames())
        .containsExactly("ready", "degraded", "components", "timestamp", "duration_ms", "service");
    assertThat(body.get("ready").isBoolean()).isTrue();
    assertThat(body.get("ready").booleanValue()).isTrue();
    assertThat(body.get("degraded").booleanValue()).isTrue();
    assertThat(body.get("service").stringValue()).isEqualTo("otto-demo");
    assertThat(body.get("duration_ms").isNumber()).isTrue();
    String timestamp = body.get("timestamp").stringValue();
    assertThat(timestamp).endsWith("Z");
    assertThat(Instant.parse(timestamp)).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));

    JsonNode components = body.get("components");
    assertThat(components.propertyNames()).containsExactly("database", "redis");
    JsonNode database = components.get("database");
    assertThat(database.propertyNames()).containsExactly("status", "critical", "duration_ms");
    assertThat(database.get("status").stringValue()).isEqualTo("UP");
    assertThat(database.get("critical").booleanValue()).isTrue();
    assertThat(database.get("duration_ms").isNumber()).isTrue();
    JsonNode redis = components.get("redis");
    assertThat(redis.propertyNames()).containsExactly("status", "critical", "duration_ms", "error");
    assertThat(redis.get("status").stringValue()).isEqualTo("DOWN");
    assertThat(redis.get("critical").booleanValue()).isFalse();
    assertThat(redis.get("error").stringValue()).isEqualTo("cannot get a connection");
  }

  @Test
  void readinessIs503WhenACriticalComponentIsDown() {
    serve(true, down("database", true), up("redis", false));

    HttpResponse<String> response = server.get("/ready");

    assertThat(response.statusCode()).isEqualTo(503);
    JsonNode body = json(response);
    assertThat(body.get("ready").booleanValue()).isFalse();
    assertThat(body.get("degraded").booleanValue()).isFalse();
    assertThat(body.get("components").get("database").get("status").stringValue()).isEqualTo("DOWN");
  }

  @Test
  void readinessAnswersWithinAboutTheTimeoutWhenACriticalCheckHangs() {
    Gate hung = new Gate();
    gates.add(hung);
    serve(true, HealthCheck.of("database", true, hung), up("redis", false));

    long start = System.nanoTime();
    HttpResponse<String> response = server.get("/ready");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(json(response).get("components").get("database").get("error").stringValue())
        .isEqualTo("timed out after 300 ms");
  }

  @Test
  void readinessIs503WithNoComponentsBeforeStartUpCompletes() {
    serve(false, up("database", true));

    HttpResponse<String> response = server.get("/ready");

    assertThat(response.statusCode()).isEqualTo(503);
    JsonNode body = json(response);
    assertThat(body.get("ready").booleanValue()).isFalse();
    assertThat(body.get("components").propertyNames()).isEmpty();
    assertThat(body.get("service").stringValue()).isEqualTo("otto-demo");
  }

  @Test
  void readinessIs503AsSoonAsShutdownBegins() {
    ReadinessAggregator aggregator = serve(true, up("database", true));
    assertThat(server.get("/ready").statusCode()).isEqualTo(200);

    aggregator.markShuttingDown();

    assertThat(server.get("/ready").statusCode()).isEqualTo(503);
    assertThat(server.get("/health").statusCode()).isEqualTo(200);
  }

  @Test
  void showsDetailsOnlyWhenAskedTo() {
    ReadinessAggregator aggregator = serve(true, up("database", true));
    server.use(HealthEndpointsFilter.builder().aggregator(aggregator).service("s").showDetails(true).build());

    JsonNode database = json(server.get("/ready")).get("components").get("database");

    assertThat(database.propertyNames()).containsExactly("status", "critical", "duration_ms", "details");
    assertThat(database.get("details").get("active").asLong()).isEqualTo(1);
  }

  @Test
  void detailsThatAreNotPlainJsonValuesStillGiveAJsonAnswer() {
    ReadinessAggregator aggregator = serve(true, HealthCheck.of("database", true, timeout -> Map.of(
        "cyclic", OddDetails.indirectlyCyclic(), "unprintable", OddDetails.unprintable(), "waiting", new AtomicLong(3), "ids", new int[] {1, 2})));
    server.use(HealthEndpointsFilter.builder().aggregator(aggregator).service("s").showDetails(true).build());

    HttpResponse<String> response = server.get("/ready");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode details = json(response).get("components").get("database").get("details");
    assertThat(details.get("waiting").isNumber()).isTrue();
    assertThat(details.get("waiting").asLong()).isEqualTo(3);
    assertThat(details.get("ids").isArray()).isTrue();
    assertThat(details.get("ids").get(1).asLong()).isEqualTo(2);
    assertThat(details.get("cyclic").get("b").get("a").isString()).isTrue();
    assertThat(response.body()).doesNotContain("secret-host");
  }

  @Test
  void optionsSaysWhichMethodsEachEndpointAllowsAsTheApplicationsOtherPathsDo() {
    Gate hung = new Gate();
    gates.add(hung);
    serve(true, HealthCheck.of("database", true, hung));

    for (String path : List.of("/health", "/ready", HEARTBEAT)) {
      HttpResponse<String> options = server.send("OPTIONS", path, HttpRequest.BodyPublishers.noBody());

      assertThat(options.statusCode()).as(path).isEqualTo(200);
      assertThat(options.headers().firstValue("Allow")).as(path)
          .hasValue(path.equals(HEARTBEAT) ? "POST, OPTIONS" : "GET, HEAD, OPTIONS");
      assertThat(options.body()).as(path).isEmpty();
    }
    assertThat(hung.runs()).isZero();
    assertThat(heartbeats.size()).isZero();
  }

  @Test
  void headAnswersWithoutABodyAndOtherMethodsAre405ProblemsWithAllow() {
    serve(true, up("database", true));

    HttpResponse<String> head = server.send("HEAD", "/ready", HttpRequest.BodyPublishers.noBody());
    HttpResponse<String> post = server.post("/ready", "{}");
    HttpResponse<String> delete = server.send("DELETE", "/health", HttpRequest.BodyPublishers.noBody());

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
    assertThat(json(post).get("status").asLong()).isEqualTo(405);
    assertThat(delete.statusCode()).isEqualTo(405);
  }

  @Test
  void aHeartbeatIsRecordedAndAnswered204() {
    serve(true);

    HttpResponse<String> response = server.post(HEARTBEAT, "{\"worker\": \"mailer-1\", \"extra\": [1, {\"a\": 2}]}");

    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(response.body()).isEmpty();
    assertThat(heartbeats.lastBeat("mailer-1")).contains(clock.instant());
  }

  @Test
  void aHeartbeatMayDeclareAnyJsonMediaTypeInAnyCaseWithParameters() {
    serve(true);
    List<String> json = List.of("application/json", "application/json; charset=utf-8",
        "Application/JSON;Charset=UTF-8", " application/json ", "application/vnd.otto.heartbeat+json",
        "APPLICATION/PROBLEM+JSON; q=1");

    for (int i = 0; i < json.size(); i++) {
      HttpResponse<String> response = server.send("POST", HEARTBEAT,
          HttpRequest.BodyPublishers.ofString("{\"worker\":\"w" + i + "\"}"), "Content-Type", json.get(i));

      assertThat(response.statusCode()).as(json.get(i)).isEqualTo(204);
      assertThat(heartbeats.lastBeat("w" + i)).as(json.get(i)).isPresent();
    }
  }

  @Test
  void aHeartbeatNotDeclaredAsJsonIsA415ProblemNamingTheAcceptedTypes() {
    serve(true);
    Map<String, String> notJson = new java.util.LinkedHashMap<>();
    notJson.put("application/xml", "<worker>w2</worker>");
    notJson.put("text/plain", "{\"worker\":\"w2\"}");
    notJson.put("text/json", "{\"worker\":\"w2\"}");
    notJson.put("application/x-www-form-urlencoded", "{\"worker\":\"w2\"}");
    notJson.put("application/jsonp", "{\"worker\":\"w2\"}");
    notJson.put("application/+json", "{\"worker\":\"w2\"}");
    notJson.put("application/json-seq", "{\"worker\":\"w2\"}");

    notJson.forEach((type, body) -> {
      HttpResponse<String> response = server.send("POST", HEARTBEAT, HttpRequest.BodyPublishers.ofString(body),
          "Content-Type", type);

      assertProblem(response, 415);
      assertThat(response.headers().firstValue("Accept-Post")).hasValue("application/json");
      assertThat(response.headers().firstValue("Accept")).hasValue("application/json");
      assertThat(response.body()).as(type).doesNotContain(type).doesNotContain("w2");
    });
    assertThat(heartbeats.size()).isZero();
  }

  @Test
  void aHeartbeatWithoutContentTypeIsA415ProblemNotSniffedAsJson() {
    serve(true);

    HttpResponse<String> response = server.send("POST", HEARTBEAT,
        HttpRequest.BodyPublishers.ofString("{\"worker\":\"w\"}"));

    assertThat(response.request().headers().firstValue("Content-Type")).isEmpty();
    assertProblem(response, 415);
    assertThat(heartbeats.size()).isZero();
  }

  @Test
  void theMediaTypeIsCheckedBeforeTheSize() {
    serve(true);

    HttpResponse<String> response = server.send("POST", HEARTBEAT,
        HttpRequest.BodyPublishers.ofString("x".repeat(5000)), "Content-Type", "text/plain");

    assertProblem(response, 415);
  }

  @Test
  void aMalformedOrIncompleteHeartbeatIsA400ProblemThatRepeatsNothing() {
    serve(true);
    List<String> bad = List.of(
        "", "not json", "{\"worker\": \"w1\"", "[\"w1\"]", "{}", "{\"worker\": 42}", "{\"worker\": null}",
        "{\"worker\": \"\"}", "{\"worker\": \"<script>alert(1)</script>\"}", "{\"worker\": \"" + "x".repeat(129) + "\"}",
        "{\"worker\": \"a\", \"worker\": \"b\"}", "{\"worker\": \"w1\"} trailing", "\"w1\"",
        "{\"nested\": " + "[".repeat(3000) + "}");

    for (String body : bad) {
      HttpResponse<String> response = server.post(HEARTBEAT, body);

      assertProblem(response, 400);
      assertThat(json(response).get("type").stringValue()).isEqualTo("https://otto.dev/problems/invalid-heartbeat");
      assertThat(response.body()).doesNotContain("script", "xxxx");
    }
    assertThat(heartbeats.size()).isZero();
  }

  @Test
  void aHeartbeatThatIsNotUtf8IsA400Problem() {
    serve(true);
    byte[] latin1 = {'{', '"', 'w', 'o', 'r', 'k', 'e', 'r', '"', ':', '"', (byte) 0xE9, (byte) 0xFF, '"', '}'};

    HttpResponse<String> response = server.send("POST", HEARTBEAT, HttpRequest.BodyPublishers.ofByteArray(latin1),
        "Content-Type", "application/json");

    assertProblem(response, 400);
  }

  @Test
  void aHeartbeatBodyOverTheLimitIsA413Problem() {
    serve(true);
    String big = "{\"worker\": \"w1\", \"pad\": \"" + "x".repeat(5000) + "\"}";

    HttpResponse<String> declared = server.post(HEARTBEAT, big);
    HttpResponse<String> chunked = server.send("POST", HEARTBEAT,
        HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big.getBytes())),
        "Content-Type", "application/json");

    assertProblem(declared, 413);
    assertProblem(chunked, 413);
    assertThat(heartbeats.size()).isZero();
  }

  @Test
  void theHeartbeatEndpointOnlyAcceptsPost() {
    serve(true);

    HttpResponse<String> response = server.get(HEARTBEAT);

    assertProblem(response, 405);
    assertThat(response.headers().firstValue("Allow")).hasValue("POST, OPTIONS");
  }

  @Test
  void passesOtherPathsAndAnUnconfiguredHeartbeatPathDownTheChain() {
    ReadinessAggregator aggregator = serve(true);
    assertThat(server.get("/app/hello").body()).isEqualTo("app");
    assertThat(server.get("/ready/").statusCode()).isEqualTo(404);

    server.use(HealthEndpointsFilter.builder().aggregator(aggregator).service("s").build());

    assertThat(server.post(HEARTBEAT, "{\"worker\":\"w\"}").statusCode()).isEqualTo(404);
  }

  @Test
  void servesConfiguredPaths() {
    ReadinessAggregator aggregator = serve(true);
    server.use(HealthEndpointsFilter.builder()
        .aggregator(aggregator)
        .service("s")
        .healthPath("/livez")
        .readyPath("/readyz")
        .heartbeats(heartbeats)
        .heartbeatPath("/beat")
        .build());

    assertThat(server.get("/livez").statusCode()).isEqualTo(200);
    assertThat(server.get("/readyz").statusCode()).isEqualTo(200);
    assertThat(server.post("/beat", "{\"worker\":\"w\"}").statusCode()).isEqualTo(204);
    assertThat(server.get("/health").statusCode()).isEqualTo(404);
  }

  @Test
  void rejectsAnIncompleteOrContradictoryConfigurationNamingTheProblem() {
    ReadinessAggregator aggregator = serve(true);

    assertThatThrownBy(() -> HealthEndpointsFilter.builder().service("s").build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("aggregator must be set");
    assertThatThrownBy(() -> HealthEndpointsFilter.builder().aggregator(aggregator).build())
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("service must be set");
    assertThatThrownBy(() -> HealthEndpointsFilter.builder().readyPath("ready"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'ready'");
    assertThatThrownBy(() -> HealthEndpointsFilter.builder().aggregator(aggregator).service("s")
        .readyPath("/health").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("distinct paths");
    assertThatThrownBy(() -> HealthEndpointsFilter.builder().maxHeartbeatBytes(1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxHeartbeatBytes must be between 16 and 1048576: 1");
  }
}
