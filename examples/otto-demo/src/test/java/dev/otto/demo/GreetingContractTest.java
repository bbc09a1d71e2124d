package dev.otto.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /api/greeting}, the client-IP rules and the rate-limit metrics of {@code shared/CONTRACT.md},
 * over real HTTP with the in-memory limiter (no Redis configured). Every test uses its own API key or
 * forwarded address, so the tests share no bucket.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GreetingContractTest {

  private static final JsonMapper json = JsonMapper.builder().build();

  @LocalServerPort int port;

  private final HttpClient client = HttpClient.newHttpClient();

  @Test
  void theEleventhRequestInTheWindowIsRejectedWithRetryAfter() throws Exception {
    String apiKey = uniqueKey();
    for (int i = 1; i <= 10; i++) {
      HttpResponse<String> response = greet(request().header("X-Api-Key", apiKey));
      assertThat(response.statusCode()).as("request %d", i).isEqualTo(200);
      assertThat(json.readTree(response.body()).get("message").asString()).isEqualTo("hello");
      assertThat(response.headers().firstValue("RateLimit-Policy")).contains("\"greeting\";q=10;w=10");
      assertThat(response.headers().firstValue("RateLimit"))
          .hasValueSatisfying(value -> assertThat(value).matches("\"greeting\";r=[0-9]+;t=[0-9]+"));
    }

    HttpResponse<String> eleventh = greetUntilRejected(apiKey);
    assertThat(eleventh.statusCode()).isEqualTo(429);
    assertThat(eleventh.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(eleventh.headers().firstValue("Retry-After"))
        .hasValueSatisfying(value -> assertThat(Long.parseLong(value)).isGreaterThanOrEqualTo(1));
    assertThat(eleventh.headers().firstValue("RateLimit-Policy")).contains("\"greeting\";q=10;w=10");
    JsonNode problem = json.readTree(eleventh.body());
    assertThat(problem.get("status").asInt()).isEqualTo(429);
    assertThat(problem.get("instance").asString()).isEqualTo("/api/greeting");
    assertThat(problem.get("traceId").asString())
        .isEqualTo(eleventh.headers().firstValue("X-Trace-Id").orElseThrow());
  }

  @Test
  void wrongMethodsAre405ProblemsWithAllowThatTheLimitNeitherCountsNorAnnotates() throws Exception {
    String apiKey = uniqueKey();
    for (String method : List.of("DELETE", "POST", "PUT")) {
      for (int i = 1; i <= 12; i++) {
        HttpResponse<String> response =
            greet(request().header("X-Api-Key", apiKey).method(method, BodyPublishers.noBody()));

        assertThat(response.statusCode()).as("%s %d", method, i).isEqualTo(405);
        assertThat(response.headers().firstValue("Content-Type"))
            .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(json.readTree(response.body()).get("instance").asString()).isEqualTo("/api/greeting");
        assertThat(response.headers().firstValue("Allow"))
            .hasValueSatisfying(allow -> assertThat(allow).contains("GET"));
        assertThat(response.headers().firstValue("RateLimit")).as("%s %d", method, i).isEmpty();
        assertThat(response.headers().firstValue("RateLimit-Policy")).as("%s %d", method, i).isEmpty();
      }
    }

    assertTheNextGreetingIsTheFirstInItsBucket(request().header("X-Api-Key", apiKey));
  }

  @Test
  void aWrongMethodsAllowNamesHeadWithGetAsTheOptionsAnswerDoes() throws Exception {
    // HEAD answers 200 here (headIsAGreeting...), so the 405 must not leave it out (RFC 9110 Allow).
    HttpResponse<String> post =
        greet(request().header("X-Api-Key", uniqueKey()).POST(BodyPublishers.noBody()));
    HttpResponse<String> options =
        greet(request().header("X-Api-Key", uniqueKey()).method("OPTIONS", BodyPublishers.noBody()));

    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(methods(post.headers().allValues("Allow"))).contains("GET", "HEAD");
    assertThat(methods(post.headers().allValues("Allow")))
        .containsExactlyInAnyOrderElementsOf(methods(options.headers().allValues("Allow")));
  }

  @Test
  void wrongMethodsFromAClientIpDoNotSpendItsGreetingQuota() throws Exception {
    String client = uniqueIp();
    for (int i = 1; i <= 12; i++) {
      HttpResponse<String> response =
          greet(request().header("X-Forwarded-For", client).method("DELETE", BodyPublishers.noBody()));
      assertThat(response.statusCode()).as("DELETE %d", i).isEqualTo(405);
    }

    assertTheNextGreetingIsTheFirstInItsBucket(request().header("X-Forwarded-For", client));
  }

  @Test
  void headIsAGreetingAndCountsAgainstTheSameBucket() throws Exception {
    // HEAD is GET without the body (RFC 9110), so it must neither escape the limit nor lose its fields.
    String apiKey = uniqueKey();
    HttpRequest.Builder head =
        request().header("X-Api-Key", apiKey).method("HEAD", BodyPublishers.noBody());

    HttpResponse<String> first = greet(head);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("RateLimit-Policy")).contains("\"greeting\";q=10;w=10");
    assertThat(first.headers().firstValue("RateLimit"))
        .hasValueSatisfying(value -> assertThat(value).matches("\"greeting\";r=9;t=[0-9]+"));
    exhaust(head);

    assertThat(greet(request().header("X-Api-Key", apiKey)).statusCode()).isEqualTo(429);
  }

  @Test
  void optionsIsAnsweredWithAllowAndIsNotCounted() throws Exception {
    // A CORS preflight or a client asking what it may do is not a greeting and must not spend the quota.
    String apiKey = uniqueKey();
    for (int i = 1; i <= 12; i++) {
      HttpResponse<String> options =
          greet(request().header("X-Api-Key", apiKey).method("OPTIONS", BodyPublishers.noBody()));
      assertThat(options.statusCode()).as("OPTIONS %d", i).isLessThan(300);
      assertThat(options.headers().firstValue("Allow"))
          .hasValueSatisfying(allow -> assertThat(allow).contains("GET"));
      assertThat(options.headers().firstValue("RateLimit")).as("OPTIONS %d", i).isEmpty();
    }

    assertTheNextGreetingIsTheFirstInItsBucket(request().header("X-Api-Key", apiKey));
  }

  @Test
  void eachApiKeyHasItsOwnBucket() throws Exception {
    String first = uniqueKey();
    exhaust(request().header("X-Api-Key", first));

    assertThat(greet(request().header("X-Api-Key", first)).statusCode()).isEqualTo(429);
    assertThat(greet(request().header("X-Api-Key", uniqueKey())).statusCode()).isEqualTo(200);
  }

  @Test
  void withoutAnApiKeyTheForwardedClientIpIsTheKey() throws Exception {
    String client = uniqueIp();
    exhaust(request().header("X-Forwarded-For", client));

    assertThat(greet(request().header("X-Forwarded-For", client)).statusCode()).isEqualTo(429);
    assertThat(greet(request().header("X-Forwarded-For", uniqueIp())).statusCode()).isEqualTo(200);
  }

  @Test
  void addressesAddedToTheLeftOfTheChainDoNotEscapeTheLimit() throws Exception {
    String client = uniqueIp();
    exhaust(request().header("X-Forwarded-For", client));

    HttpResponse<String> spoofed =
        greet(request().header("X-Forwarded-For", uniqueIp() + ", " + uniqueIp() + ", " + client));
    assertThat(spoofed.statusCode()).isEqualTo(429);
  }

  @Test
  void oversizedOrOddKeysNeverCauseA5xxAndAreNeverEchoed() throws Exception {
    String huge = "k".repeat(20_000);
    HttpResponse<String> response = greet(request().header("X-Api-Key", huge));

    assertThat(response.statusCode()).isLessThan(500);
    assertThat(response.body()).doesNotContain(huge);
    HttpResponse<String> forwarded = greet(request().header("X-Forwarded-For", "not-an-ip, " + huge));
    assertThat(forwarded.statusCode()).isLessThan(500);
    assertThat(forwarded.body()).doesNotContain(huge);
  }

  @Test
  void prometheusCountsDecisionsByPolicyOutcomeAndBackend() throws Exception {
    exhaust(request().header("X-Api-Key", uniqueKey()));

    String metrics =
        client
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                    .build(),
                BodyHandlers.ofString())
            .body();

    assertThat(metrics)
        .containsPattern("otto_ratelimit_decisions_total\\{[^}]*backend=\"local\"[^}]*outcome=\"allowed\"[^}]*policy=\"greeting\"")
        .containsPattern("otto_ratelimit_decisions_total\\{[^}]*backend=\"local\"[^}]*outcome=\"rejected\"[^}]*policy=\"greeting\"")
        .as("the contract's back ends are redis and local only")
        .doesNotContainPattern("otto_ratelimit_decisions_total\\{[^}]*backend=\"(?!redis\"|local\")");
  }

  /** The client's next GET is allowed with nine left: nothing it sent before was charged to its bucket. */
  private void assertTheNextGreetingIsTheFirstInItsBucket(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response = greet(request);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("RateLimit"))
        .hasValueSatisfying(value -> assertThat(value).matches("\"greeting\";r=9;t=[0-9]+"));
  }

  /** Sends requests until the limit rejects one; at most 11 are needed in a 10-per-10-s window. */
  private void exhaust(HttpRequest.Builder request) throws Exception {
    for (int i = 0; i < 11; i++) {
      if (greet(request).statusCode() == 429) {
        return;
      }
    }
    throw new AssertionError("11 requests in a row were not rejected");
  }

  /**
   * The eleventh request, or the twelfth when a slow machine took over a second for the first ten: the
   * limit refills one request per second (GCRA), and that refill is not what this test is about.
   */
  private HttpResponse<String> greetUntilRejected(String apiKey) throws Exception {
    HttpResponse<String> response = greet(request().header("X-Api-Key", apiKey));
    if (response.statusCode() != 429) {
      response = greet(request().header("X-Api-Key", apiKey));
    }
    return response;
  }

  /** The methods of every Allow field, however they are split between fields and commas. */
  private static List<String> methods(List<String> allow) {
    return allow.stream()
        .flatMap(field -> Arrays.stream(field.split(",")))
        .map(String::trim)
        .filter(method -> !method.isEmpty())
        .toList();
  }

  private HttpRequest.Builder request() {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/greeting")).GET();
  }

  private HttpResponse<String> greet(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return client.send(request.build(), BodyHandlers.ofString());
  }

  private static String uniqueKey() {
    return "key-" + UUID.randomUUID();
  }

  private static String uniqueIp() {
    UUID random = UUID.randomUUID();
    long bits = random.getLeastSignificantBits();
    return "198.18." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
  }
}
