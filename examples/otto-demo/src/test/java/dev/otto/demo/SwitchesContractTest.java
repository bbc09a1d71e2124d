package dev.otto.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code /actuator/otto} of {@code shared/CONTRACT.md}: run-time switches over real HTTP. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SwitchesContractTest {

  private static final JsonMapper json = JsonMapper.builder().build();

  @LocalServerPort int port;

  private final HttpClient client = HttpClient.newHttpClient();

  @AfterEach
  void switchEverythingBackOn() throws Exception {
    for (String component : new String[] {"ratelimit", "idempotency", "problem", "trace", "health"}) {
      post("/actuator/otto/" + component, "{\"enabled\": true, \"mode\": \"enforce\"}");
    }
  }

  @Test
  void listsEveryComponent() throws Exception {
    HttpResponse<String> response = send(request("/actuator/otto").GET());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode components = json.readTree(response.body()).get("components");
    for (String component : new String[] {"ratelimit", "idempotency", "problem", "trace", "health"}) {
      assertThat(components.get(component).get("enabled").asBoolean()).as(component).isTrue();
    }
    assertThat(components.get("ratelimit").get("backend").asString()).isEqualTo("local");
  }

  @Test
  void anUnknownComponentIsA404Problem() throws Exception {
    HttpResponse<String> response = post("/actuator/otto/nosuch", "{\"enabled\": false}");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
  }

  @Test
  void anEnabledOtherThanTrueOrFalseIsA400ProblemAndSwitchesNothing() throws Exception {
    for (String body : List.of("{\"enabled\": 0}", "{\"enabled\": \"no\"}", "{\"enabled\": \"banana\"}")) {
      HttpResponse<String> response = post("/actuator/otto/ratelimit", body);

      assertThat(response.statusCode()).as(body).isEqualTo(400);
      assertThat(response.body()).as(body).contains("must be true or false");
    }
    JsonNode components = json.readTree(send(request("/actuator/otto").GET()).body()).get("components");
    assertThat(components.get("ratelimit").get("enabled").asBoolean()).isTrue();
  }

  @Test
  void switchingRateLimitingOffTakesEffectOnTheNextRequestAndOnAgain() throws Exception {
    String key = "switch-" + UUID.randomUUID();
    exhaust(key);

    assertThat(post("/actuator/otto/ratelimit", "{\"enabled\": false}").statusCode()).isEqualTo(200);
    HttpResponse<String> unlimited = greet(key);
    assertThat(unlimited.statusCode()).isEqualTo(200);
    assertThat(unlimited.headers().firstValue("RateLimit")).isEmpty();

    post("/actuator/otto/ratelimit", "{\"enabled\": true}");
    assertThat(greet(key).statusCode()).isEqualTo(429);
  }

  @Test
  void shadowModeNeverRejectsButStillDecides() throws Exception {
    String key = "shadow-" + UUID.randomUUID();
    post("/actuator/otto/ratelimit", "{\"mode\": \"shadow\"}");

    for (int i = 0; i < 15; i++) {
      HttpResponse<String> response = greet(key);
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("RateLimit")).isEmpty();
    }
  }

  @Test
  void switchingTraceOffRemovesTheHeaderAndOnAgainBringsItBack() throws Exception {
    post("/actuator/otto/trace", "{\"enabled\": false}");
    assertThat(send(request("/health").GET()).headers().firstValue("X-Trace-Id")).isEmpty();

    post("/actuator/otto/trace", "{\"enabled\": true}");
    assertThat(send(request("/health").GET()).headers().firstValue("X-Trace-Id")).isPresent();
  }

  @Test
  void whileTraceIsOffARequestTomcatRejectsGetsNoTraceId() throws Exception {
    post("/actuator/otto/trace", "{\"enabled\": false}");

    String answer = RawHttp.malformedHeader(port);

    assertThat(answer).startsWith("HTTP/1.1 400");
    assertThat(answer).containsIgnoringCase("Content-Type: application/problem+json");
    assertThat(answer).doesNotContainPattern("(?i)X-Trace-Id:").doesNotContain("traceId");
  }

  @Test
  void whileProblemsAreOffARequestTomcatRejectsGetsTomcatsOwnReport() throws Exception {
    post("/actuator/otto/problem", "{\"enabled\": false}");

    String answer = RawHttp.malformedHeader(port);

    assertThat(answer).startsWith("HTTP/1.1 400");
    assertThat(answer).doesNotContainPattern("(?i)application/problem\\+json").doesNotContain("\"status\"");
    assertThat(answer).doesNotContainPattern("(?i)X-Trace-Id:");

    post("/actuator/otto/problem", "{\"enabled\": true}");
    assertThat(RawHttp.malformedHeader(port)).containsIgnoringCase("Content-Type: application/problem+json");
  }

  @Test
  void togglingUnderConcurrentLoadNeverFailsARequest() throws Exception {
    ConcurrentLinkedQueue<Integer> statuses = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService load = Executors.newFixedThreadPool(4);
    Future<?>[] workers = new Future<?>[4];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = load.submit(() -> {
        while (running.get()) {
          try {
            HttpResponse<String> response =
                send(request("/api/payments")
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", "load-" + UUID.randomUUID())
                    .POST(BodyPublishers.ofString("{\"amount\": 1, \"currency\": \"EUR\"}")));
            statuses.add(response.statusCode());
            statuses.add(greet("load-" + UUID.randomUUID()).statusCode());
          } catch (Exception e) {
            statuses.add(-1);
          }
        }
      });
    }
    try {
      for (int round = 0; round < 10; round++) {
        for (String component : new String[] {"ratelimit", "idempotency", "problem", "trace"}) {
          post("/actuator/otto/" + component, "{\"enabled\": " + (round % 2 == 1) + "}");
        }
      }
    } finally {
      running.set(false);
      for (Future<?> worker : workers) {
        worker.get();
      }
      load.shutdown();
    }

    assertThat(statuses).isNotEmpty().allSatisfy(status -> assertThat(status).isIn(200, 201));
  }

  private void exhaust(String key) throws Exception {
    for (int i = 0; i < 11; i++) {
      if (greet(key).statusCode() == 429) {
        return;
      }
    }
    throw new AssertionError("11 requests in a row were not rejected");
  }

  private HttpResponse<String> greet(String key) throws Exception {
    return send(request("/api/greeting").header("X-Api-Key", key).GET());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return send(request(path).header("Content-Type", "application/json").POST(BodyPublishers.ofString(body)));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(request.build(), BodyHandlers.ofString());
  }
}
