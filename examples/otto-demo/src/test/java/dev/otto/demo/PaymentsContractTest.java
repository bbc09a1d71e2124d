package dev.otto.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /api/payments} and {@code /webhooks/twilio} of {@code shared/CONTRACT.md} over real HTTP with
 * the in-memory store. Every test uses its own keys, and counts are compared before and after.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PaymentsContractTest {

  private static final JsonMapper json = JsonMapper.builder().build();

  @LocalServerPort int port;

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void theFirstRequestCreatesAndTheSameRequestAgainIsReplayedByteForByte() throws Exception {
    String key = key();
    long before = executions();

    HttpResponse<String> first = pay(key, "{\"amount\": 100, \"currency\": \"EUR\"}");
    HttpResponse<String> again = pay(key, "{\"amount\": 100, \"currency\": \"EUR\"}");

    assertThat(first.statusCode()).isEqualTo(201);
    JsonNode payment = json.readTree(first.body());
    assertThat(UUID.fromString(payment.get("id").asString())).isNotNull();
    assertThat(payment.get("amount").asLong()).isEqualTo(100);
    assertThat(payment.get("currency").asString()).isEqualTo("EUR");
    assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(executions()).isEqualTo(before + 1);
  }

  @Test
  void theSameKeyWithAnotherBodyIs422() throws Exception {
    String key = key();
    pay(key, "{\"amount\": 100, \"currency\": \"EUR\"}");

    HttpResponse<String> other = pay(key, "{\"amount\": 200, \"currency\": \"EUR\"}");

    assertThat(other.statusCode()).isEqualTo(422);
    assertThat(other.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
  }

  @Test
  void theSameKeyWhileTheFirstIsStillRunningIs409() throws Exception {
    String key = key();
    long before = executions();
    String body = "{\"amount\": 5, \"currency\": \"EUR\", \"delay_ms\": 1500}";
    CompletableFuture<HttpResponse<String>> first =
        client.sendAsync(payment(key, body).build(), BodyHandlers.ofString());
    HttpResponse<String> second = pay(key, body);

    // Whichever claimed the key first runs for 1.5 s; the other arrives while it runs.
    List<HttpResponse<String>> both = List.of(first.get(), second);
    assertThat(both).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(201, 409);
    HttpResponse<String> conflict = both.stream().filter(r -> r.statusCode() == 409).findFirst().orElseThrow();
    assertThat(conflict.headers().firstValue("Retry-After")).isPresent();
    assertThat(executions()).isEqualTo(before + 1);
  }

  @Test
  void aMissingOrInvalidKeyIs400() throws Exception {
    HttpResponse<String> missing =
        send(request("/api/payments")
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString("{\"amount\": 1, \"currency\": \"EUR\"}")));
    HttpResponse<String> tooLong = pay("k".repeat(256), "{\"amount\": 1, \"currency\": \"EUR\"}");

    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(tooLong.body()).doesNotContain("k".repeat(256));
  }

  @Test
  void aNegativeAmountIs400AndIsStoredAndReplayed() throws Exception {
    String key = key();
    long before = executions();

    HttpResponse<String> first = pay(key, "{\"amount\": -5, \"currency\": \"EUR\"}");
    HttpResponse<String> again = pay(key, "{\"amount\": -5, \"currency\": \"EUR\"}");

    assertThat(first.statusCode()).isEqualTo(400);
    assertThat(json.readTree(first.body()).get("errors").get(0).get("pointer").asString())
        .isEqualTo("#/amount");
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(executions()).isEqualTo(before + 1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.5", "\"5\"", "true", "1e3", "99999999999999999999"})
  void anAmountThatIsNotAJsonIntegerIs400AndIsStoredAndReplayed(String amount) throws Exception {
    String key = key();
    long before = executions();
    String body = "{\"amount\": " + amount + ", \"currency\": \"EUR\"}";

    HttpResponse<String> first = pay(key, body);
    HttpResponse<String> again = pay(key, body);

    assertThat(first.statusCode()).isEqualTo(400);
    assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(first.body());
    assertThat(problem.get("detail").asString()).isEqualTo("The payment is invalid.");
    assertThat(problem.get("errors").get(0).get("pointer").asString()).isEqualTo("#/amount");
    assertThat(problem.get("errors").get(0).get("detail").asString())
        .isIn("must be an integer", "is out of range");
    assertThat(first.body()).doesNotContain("tools.jackson").doesNotContain("Exception").doesNotContain("java.");
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(executions()).as("the handler never ran").isEqualTo(before);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "\"currency\": 5                                    | #/currency",
        "\"currency\": true                                 | #/currency",
        "\"currency\": \"EUR\", \"delay_ms\": 1.5            | #/delay_ms",
        "\"currency\": \"EUR\", \"delay_ms\": \"10\"           | #/delay_ms",
        "\"currency\": \"EUR\", \"simulate_error\": \"true\"   | #/simulate_error",
        "\"currency\": \"EUR\", \"simulate_error\": 1        | #/simulate_error",
      })
  void aMemberOfTheWrongJsonTypeIs400NamingIt(String members, String pointer) throws Exception {
    long before = executions();

    HttpResponse<String> response = pay(key(), "{\"amount\": 1, " + members + "}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json.readTree(response.body()).get("errors").get(0).get("pointer").asString())
        .isEqualTo(pointer);
    assertThat(executions()).isEqualTo(before);
  }

  @Test
  void jsonThatIsNotAnObjectIs400NamingTheBody() throws Exception {
    HttpResponse<String> response = pay(key(), "[1, 2]");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json.readTree(response.body()).get("errors").get(0).get("pointer").asString())
        .isEqualTo("#");
  }

  @Test
  void malformedJsonIs400AndIsStoredAndReplayed() throws Exception {
    String key = key();

    HttpResponse<String> first = pay(key, "{\"amount\": ");
    HttpResponse<String> again = pay(key, "{\"amount\": ");

    assertThat(first.statusCode()).isEqualTo(400);
    assertThat(again.statusCode()).isEqualTo(400);
    assertThat(again.body()).isEqualTo(first.body());
    assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
  }

  @Test
  void aSimulatedErrorIs500AndIsNotStoredSoARetryRunsAgain() throws Exception {
    String key = key();
    long before = executions();
    String body = "{\"amount\": 7, \"currency\": \"EUR\", \"simulate_error\": true}";

    HttpResponse<String> first = pay(key, body);
    HttpResponse<String> retry = pay(key, body);

    assertThat(first.statusCode()).isEqualTo(500);
    assertThat(retry.statusCode()).isEqualTo(500);
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(executions()).isEqualTo(before + 2);
  }

  @Test
  void theSameKeyFromTwoUsersIsTwoPayments() throws Exception {
    String key = key();
    long before = executions();
    String body = "{\"amount\": 9, \"currency\": \"EUR\"}";

    HttpResponse<String> alice = send(payment(key, body).header("X-User", "alice"));
    HttpResponse<String> bob = send(payment(key, body).header("X-User", "bob"));

    assertThat(alice.statusCode()).isEqualTo(201);
    assertThat(bob.statusCode()).isEqualTo(201);
    assertThat(bob.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(json.readTree(bob.body()).get("id").asString())
        .isNotEqualTo(json.readTree(alice.body()).get("id").asString());
    assertThat(executions()).isEqualTo(before + 2);
  }

  @Test
  void concurrentIdenticalRequestsRunTheHandlerOnce() throws Exception {
    String key = key();
    long before = executions();
    String body = "{\"amount\": 11, \"currency\": \"EUR\", \"delay_ms\": 300}";
    List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      responses.add(client.sendAsync(payment(key, body).build(), BodyHandlers.ofString()));
    }

    for (CompletableFuture<HttpResponse<String>> response : responses) {
      assertThat(response.get().statusCode()).isIn(201, 409);
    }
    assertThat(executions()).isEqualTo(before + 1);
  }

  @Test
  void aTwilioRedeliveryIsReplayedNotProcessedAgain() throws Exception {
    String token = "RE" + UUID.randomUUID().toString().replace("-", "");
    long before = processed();

    HttpResponse<String> first = webhook(token);
    HttpResponse<String> redelivery = webhook(token);
    HttpResponse<String> withoutToken =
        send(request("/webhooks/twilio")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(BodyPublishers.ofString("MessageSid=SM1&Body=hello")));

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(json.readTree(first.body()).get("received").asBoolean()).isTrue();
    assertThat(redelivery.statusCode()).isEqualTo(200);
    assertThat(redelivery.headers().firstValue("Idempotent-Replayed")).contains("true");
    assertThat(withoutToken.statusCode()).isEqualTo(400);
    assertThat(processed()).isEqualTo(before + 1);
  }

  @Test
  void prometheusCountsIdempotencyOutcomes() throws Exception {
    String key = key();
    pay(key, "{\"amount\": 3, \"currency\": \"EUR\"}");
    pay(key, "{\"amount\": 3, \"currency\": \"EUR\"}");

    String metrics = send(request("/actuator/prometheus").GET()).body();

    assertThat(metrics)
        .containsPattern("otto_idempotency_requests_total\\{[^}]*outcome=\"executed\"")
        .containsPattern("otto_idempotency_requests_total\\{[^}]*outcome=\"replayed\"");
  }

  private long executions() throws Exception {
    return json.readTree(send(request("/api/payments/count").GET()).body()).get("executions").asLong();
  }

  private long processed() throws Exception {
    return json.readTree(send(request("/webhooks/twilio/count").GET()).body()).get("processed").asLong();
  }

  private HttpResponse<String> webhook(String token) throws Exception {
    return send(request("/webhooks/twilio")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("I-Twilio-Idempotency-Token", token)
        .POST(BodyPublishers.ofString("MessageSid=SM1&Body=hello")));
  }

  private HttpResponse<String> pay(String key, String body) throws Exception {
    return send(payment(key, body));
  }

  private HttpRequest.Builder payment(String key, String body) {
    return request("/api/payments")
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key)
        .POST(BodyPublishers.ofString(body));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(request.build(), BodyHandlers.ofString());
  }

  private static String key() {
    return "pay-" + UUID.randomUUID();
  }
}
