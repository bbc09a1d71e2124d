package dev.otto.ratelimit.servlet;

import dev.otto.testsupport.EmbeddedTomcat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitListener;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.RateLimiterUnavailableException;
import dev.otto.ratelimit.local.LocalRateLimiter;
import dev.otto.ratelimit.servlet.RecordingListener.Reported;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The filter inside a real Tomcat 11, with the local limiter on a clock that moves only when told. */
class RateLimitFilterTest {

  private static final RateLimitPolicy GREETING = RateLimitPolicy.of("greeting", 10, Duration.ofSeconds(10));
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private static TomcatServer server;

  private final MutableClock clock = new MutableClock();
  private final LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).build();
  private final ClientIpResolver loopbackProxies =
      ClientIpResolver.builder().trustedProxies("127.0.0.0/8", "::1").build();
  private final RecordingListener listener = new RecordingListener();

  @BeforeAll
  static void startTomcat() {
    server = TomcatServer.start();
  }

  @AfterAll
  static void stopTomcat() throws Exception {
    server.close();
  }

  @BeforeEach
  void useTheDemoGreetingRule() {
    use(greetingRule().build());
  }

  /** The demo's rule: per API key when present, otherwise per client IP behind loopback proxies. */
  private RateLimitRule.Builder greetingRule() {
    return RateLimitRule.builder()
        .policy(GREETING)
        .path("/api/greeting")
        .key(KeyResolver.firstOf(KeyResolver.header("X-Api-Key"), KeyResolver.clientIp(loopbackProxies)));
  }

  private void use(RateLimitRule... rules) {
    use(limiter, rules);
  }

  private void use(RateLimiter limiter, RateLimitRule... rules) {
    RateLimitFilter.Builder filter = RateLimitFilter.builder().limiter(limiter).listener(listener);
    for (RateLimitRule rule : rules) {
      filter.rule(rule);
    }
    server.use(filter.build());
  }

  private List<HttpResponse<String>> getTimes(int times, String path, String... headers) {
    List<HttpResponse<String>> responses = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      responses.add(server.get(path, headers));
    }
    return responses;
  }

  private static List<Integer> statuses(List<HttpResponse<String>> responses) {
    return responses.stream().map(HttpResponse::statusCode).toList();
  }

  private static String header(HttpResponse<?> response, String name) {
    return response.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name + " header"));
  }

  // ---- the limit and the answer ----------------------------------------------------------------------

  @Test
  void rejectsTheEleventhRequestInTheWindowWithAProblem() {
    List<HttpResponse<String>> allowed = getTimes(10, "/api/greeting");
    assertThat(statuses(allowed)).containsOnly(200);
    assertThat(allowed.get(0).body()).isEqualTo("{\"message\":\"hello\"}");

    HttpResponse<String> rejected = server.get("/api/greeting");

    assertThat(rejected.statusCode()).isEqualTo(429);
    assertThat(header(rejected, "Content-Type")).startsWith("application/problem+json");
    long retryAfter = Long.parseLong(header(rejected, "Retry-After"));
    assertThat(retryAfter).isGreaterThanOrEqualTo(1);
    JsonNode problem = JSON.readTree(rejected.body());
    assertThat(problem.get("type").asString()).isEqualTo("https://otto.dev/problems/rate-limited");
    assertThat(problem.get("title").asString()).isEqualTo("Too Many Requests");
    assertThat(problem.get("status").asInt()).isEqualTo(429);
    assertThat(problem.get("detail").asString())
        .isEqualTo("Rate limit \"greeting\" exceeded; retry in " + retryAfter + " second"
            + (retryAfter == 1 ? "." : "s."));
    assertThat(problem.get("instance").asString()).isEqualTo("/api/greeting");
    assertThat(problem.get("policy").asString()).isEqualTo("greeting");
    assertThat(problem.get("retryAfter").asLong()).isEqualTo(retryAfter);
    assertThat(header(rejected, "RateLimit-Policy")).isEqualTo("\"greeting\";q=10;w=10");
    assertThat(header(rejected, "RateLimit")).matches("\"greeting\";r=0;t=\\d+");
  }

  @Test
  void allowsAgainOnceTheRetryAfterHasPassed() {
    getTimes(10, "/api/greeting");
    HttpResponse<String> rejected = server.get("/api/greeting");
    assertThat(rejected.statusCode()).isEqualTo(429);

    clock.advance(Duration.ofSeconds(Long.parseLong(header(rejected, "Retry-After"))));

    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(200);
  }

  @Test
  void writesTheRateLimitHeaderFieldsInTheDraftFormat() {
    HttpResponse<String> first = server.get("/api/greeting");
    assertThat(header(first, "RateLimit-Policy")).isEqualTo("\"greeting\";q=10;w=10");
    assertThat(header(first, "RateLimit")).isEqualTo("\"greeting\";r=9;t=1");

    getTimes(2, "/api/greeting");
    HttpResponse<String> fourth = server.get("/api/greeting");
    assertThat(header(fourth, "RateLimit")).isEqualTo("\"greeting\";r=6;t=4");
  }

  @Test
  void keepsTheHeaderFieldsWhenTheApplicationCommitsTheResponse() {
    use(greetingRule().path("/committed").build());
    HttpResponse<String> response = server.get("/committed");
    assertThat(response.body()).isEqualTo("done");
    assertThat(header(response, "RateLimit")).isEqualTo("\"greeting\";r=9;t=1");
  }

  @Test
  void writesEveryLimitOfAPolicyAndReportsTheOneThatDecided() {
    RateLimitPolicy api = RateLimitPolicy.builder("api")
        .limit(3, Duration.ofSeconds(1))
        .limit(100, Duration.ofHours(1))
        .build();
    use(RateLimitRule.builder().policy(api).key(KeyResolver.clientIp(loopbackProxies)).build());

    HttpResponse<String> response = server.get("/api/greeting");

    assertThat(header(response, "RateLimit-Policy")).isEqualTo("\"api\";q=3;w=1, \"api#2\";q=100;w=3600");
    assertThat(header(response, "RateLimit")).startsWith("\"api\";r=2;");
  }

  @Test
  void checksEveryMatchingRuleAndWritesTheirFieldsTogether() {
    RateLimitPolicy burst = RateLimitPolicy.of("burst", 2, Duration.ofSeconds(1));
    use(greetingRule().build(),
        RateLimitRule.builder().policy(burst).path("/api/**").key(KeyResolver.clientIp(loopbackProxies)).build());

    HttpResponse<String> first = server.get("/api/greeting");
    assertThat(header(first, "RateLimit-Policy")).isEqualTo("\"greeting\";q=10;w=10, \"burst\";q=2;w=1");
    assertThat(header(first, "RateLimit")).isEqualTo("\"greeting\";r=9;t=1, \"burst\";r=1;t=1");

    server.get("/api/greeting");
    HttpResponse<String> third = server.get("/api/greeting");
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(JSON.readTree(third.body()).get("policy").asString()).isEqualTo("burst");
    // The rule that did not match the path adds nothing.
    assertThat(header(server.get("/api/other"), "RateLimit-Policy")).isEqualTo("\"burst\";q=2;w=1");
  }

  @Test
  void reportsEveryDecisionToTheListeners() {
    getTimes(11, "/api/greeting");
    assertThat(listener.decisions).hasSize(11);
    assertThat(listener.decisions.subList(0, 10)).containsOnly(new Reported("greeting", true, false));
    assertThat(listener.decisions.get(10)).isEqualTo(new Reported("greeting", false, false));
  }

  @Test
  void aFailingListenerDoesNotChangeTheAnswer() {
    RateLimitListener broken = new RateLimitListener() {
      @Override
      public void onDecision(RateLimitPolicy policy, dev.otto.ratelimit.RateLimitDecision decision, boolean shadow) {
        throw new IllegalStateException("listener bug");
      }
    };
    server.use(RateLimitFilter.builder().limiter(limiter).listener(broken).rule(greetingRule().build()).build());
    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(200);
  }

  // ---- keys ------------------------------------------------------------------------------------------

  @Test
  void anApiKeyAndTheClientIpAreSeparateBuckets() {
    assertThat(statuses(getTimes(10, "/api/greeting", "X-Api-Key", "k1"))).containsOnly(200);
    assertThat(server.get("/api/greeting", "X-Api-Key", "k1").statusCode()).isEqualTo(429);

    assertThat(server.get("/api/greeting", "X-Api-Key", "k2").statusCode()).isEqualTo(200);
    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(200);
  }

  @Test
  void anApiKeyEqualToTheClientIpIsStillADifferentBucket() {
    assertThat(statuses(getTimes(10, "/api/greeting"))).containsOnly(200);
    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(429);

    assertThat(server.get("/api/greeting", "X-Api-Key", "127.0.0.1").statusCode()).isEqualTo(200);
  }

  @Test
  void forwardedForFromATrustedLoopbackProxyIdentifiesTheClient() {
    assertThat(statuses(getTimes(10, "/api/greeting", "X-Forwarded-For", "203.0.113.7"))).containsOnly(200);
    assertThat(server.get("/api/greeting", "X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(429);

    assertThat(server.get("/api/greeting", "X-Forwarded-For", "203.0.113.8").statusCode()).isEqualTo(200);
    assertThat(server.get("/api/greeting", "X-Forwarded-For", "203.0.113.7, 127.0.0.1").statusCode())
        .isEqualTo(429);
  }

  @Test
  void forwardedForFromAnUntrustedPeerIsIgnored() {
    ClientIpResolver otherProxies = ClientIpResolver.builder().trustedProxies("10.0.0.0/8").build();
    use(greetingRule().key(KeyResolver.clientIp(otherProxies)).build());
    for (int i = 0; i < 10; i++) {
      assertThat(server.get("/api/greeting", "X-Forwarded-For", "203.0.113." + i).statusCode()).isEqualTo(200);
    }
    assertThat(server.get("/api/greeting", "X-Forwarded-For", "203.0.113.99").statusCode()).isEqualTo(429);
  }

  @Test
  void ipv6ClientsInOneSlash64ShareALimitWhenKeyedByTheirNetwork() {
    use(greetingRule().key(KeyResolver.clientIp(loopbackProxies, 64)).build());
    for (int i = 0; i < 10; i++) {
      assertThat(server.get("/api/greeting", "X-Forwarded-For", "2001:db8:1:2::" + i).statusCode()).isEqualTo(200);
    }
    assertThat(server.get("/api/greeting", "X-Forwarded-For", "2001:db8:1:2:ffff::99").statusCode())
        .isEqualTo(429);

    assertThat(server.get("/api/greeting", "X-Forwarded-For", "2001:db8:1:3::1").statusCode()).isEqualTo(200);
  }

  @Test
  void byDefaultEachIpv6AddressInA64HasALimitOfItsOwn() {
    for (int i = 0; i <= 10; i++) {
      assertThat(server.get("/api/greeting", "X-Forwarded-For", "2001:db8:1:2::" + i).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void prefixingAddressesToForwardedForDoesNotEscapeTheLimit() {
    getTimes(10, "/api/greeting", "X-Forwarded-For", "203.0.113.7");

    assertThat(server.get("/api/greeting", "X-Forwarded-For", "198.51.100.1, 203.0.113.7").statusCode())
        .isEqualTo(429);
    assertThat(server.get("/api/greeting", "X-Forwarded-For", "unknown, 10.0.0.1,203.0.113.7").statusCode())
        .isEqualTo(429);
    assertThat(server.get("/api/greeting",
        "X-Forwarded-For", "198.51.100.1", "X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(429);
  }

  // ---- hostile input ---------------------------------------------------------------------------------

  @Test
  void anOversizedApiKeyIsA400ProblemThatDoesNotEchoIt() {
    String huge = "K".repeat(20 * 1024);
    HttpResponse<String> response = server.get("/api/greeting", "X-Api-Key", huge);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode problem = JSON.readTree(response.body());
    assertThat(problem.get("type").asString()).isEqualTo("https://otto.dev/problems/invalid-rate-limit-key");
    assertThat(problem.get("title").asString()).isEqualTo("Invalid rate-limit key");
    assertThat(response.body()).doesNotContain("KKKK");
    assertThat(response.headers().map().toString()).doesNotContain("KKKK");
  }

  @Test
  void anOversizedForwardedForIsIgnoredBeyondItsBound() {
    String huge = "198.51.100.1, ".repeat(1_500) + "203.0.113.7";
    assertThat(huge.length()).isGreaterThan(20_000);
    assertThat(statuses(getTimes(10, "/api/greeting", "X-Forwarded-For", huge))).containsOnly(200);
    HttpResponse<String> response = server.get("/api/greeting", "X-Forwarded-For", huge);
    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.body()).doesNotContain("198.51.100.1");
    // Its key was the rightmost untrusted address:
    assertThat(server.get("/api/greeting", "X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(429);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "X-Api-Key: a\u0001INJECTED\r\n",
      "X-Api-Key: a\u007fINJECTED\r\n",
      "X-Api-Key: caf\u00e9INJECTED\r\n",
      "X-Api-Key: a INJECTED\r\n",
      "X-Api-Key: a\r\n INJECTED\r\n",
      "X-Api-Key: a\r\n\tINJECTED: x\r\n",
      "X-Api-Key: a\rINJECTED: x\r\n",
      "X-Api-Key: a\nINJECTED: x\r\n",
      "X-Api-Key: k1\r\nX-Api-Key: INJECTED\r\n",
      "X-Forwarded-For: 203.0.113.7\u0001INJECTED\r\n",
      "X-Forwarded-For: \u00ffINJECTED, 203.0.113.7\r\n",
  })
  void oddHeaderBytesNeverCauseA5xxAndAreNeverReflected(String headerLines) {
    byte[] head = ("GET /api/greeting HTTP/1.1\r\nHost: localhost\r\n" + headerLines)
        .getBytes(StandardCharsets.ISO_8859_1);

    EmbeddedTomcat.RawResponse response = server.raw(head);

    assertThat(response.status()).as(response.text()).isLessThan(500);
    assertThat(response.text()).doesNotContainIgnoringCase("INJECTED");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
      "X-Api-Key: caf\u00e9INJECTED\r\n",
      "X-Api-Key: a INJECTED\r\n",
      "X-Api-Key: k1\r\nX-Api-Key: INJECTED\r\n",
  })
  void apiKeysThatReachTheFilterOutsideVisibleAsciiAreAnInvalidKeyProblem(String headerLines) {
    byte[] head = ("GET /api/greeting HTTP/1.1\r\nHost: localhost\r\n" + headerLines)
        .getBytes(StandardCharsets.ISO_8859_1);

    EmbeddedTomcat.RawResponse response = server.raw(head);

    assertThat(response.status()).as(response.text()).isEqualTo(400);
    assertThat(response.headerLines()).contains("Content-Type: application/problem+json");
    assertThat(response.text()).contains("https://otto.dev/problems/invalid-rate-limit-key")
        .doesNotContainIgnoringCase("INJECTED");
  }

  @Test
  void aCrlfInjectionAttemptIsSplitByTheParserAndReflectsNothing() {
    byte[] head = "GET /api/greeting HTTP/1.1\r\nHost: localhost\r\nX-Api-Key: a\r\nInjected: x\r\n"
        .getBytes(StandardCharsets.ISO_8859_1);

    EmbeddedTomcat.RawResponse response = server.raw(head);

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headerLines()).noneMatch(line -> line.toLowerCase().startsWith("injected"));
    assertThat(response.headerLines()).contains("RateLimit: \"greeting\";r=9;t=1");
  }

  @Test
  void aRawHugeHeaderBlockNeverCausesA5xx() {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.writeBytes("GET /api/greeting HTTP/1.1\r\nHost: localhost\r\n".getBytes(StandardCharsets.US_ASCII));
    head.writeBytes(("X-Forwarded-For: " + "\u00ff,".repeat(10_000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    head.writeBytes(("X-Api-Key: " + "\u00ff".repeat(20_000) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));

    EmbeddedTomcat.RawResponse response = server.raw(head.toByteArray());

    assertThat(response.status()).isBetween(400, 499);
    assertThat(response.text()).doesNotContain("\u00ff\u00ff");
  }

  // ---- missing keys ----------------------------------------------------------------------------------

  @Test
  void aKeylessRequestIsNotLimitedByDefault() {
    use(greetingRule().key(KeyResolver.header("X-Api-Key")).build());
    List<HttpResponse<String>> responses = getTimes(12, "/api/greeting");
    assertThat(statuses(responses)).containsOnly(200);
    assertThat(responses.get(0).headers().firstValue("RateLimit")).isEmpty();
    assertThat(listener.decisions).isEmpty();
  }

  @Test
  void aKeylessRequestIsA400ProblemWhenTheKeyIsMandatory() {
    use(greetingRule().key(KeyResolver.header("X-Api-Key")).missingKey(MissingKey.REJECT).build());

    HttpResponse<String> response = server.get("/api/greeting");

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode problem = JSON.readTree(response.body());
    assertThat(problem.get("type").asString()).isEqualTo("https://otto.dev/problems/missing-rate-limit-key");
    assertThat(problem.get("title").asString()).isEqualTo("Missing rate-limit key");
    assertThat(server.get("/api/greeting", "X-Api-Key", "k1").statusCode()).isEqualTo(200);
  }

  @Test
  void keylessRequestsShareOneBucketWhenConfigured() {
    use(greetingRule().key(KeyResolver.header("X-Api-Key")).missingKey(MissingKey.SHARED).build());
    assertThat(statuses(getTimes(10, "/api/greeting"))).containsOnly(200);
    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(429);
    assertThat(server.get("/api/greeting", "X-Forwarded-For", "203.0.113.9").statusCode()).isEqualTo(429);
    assertThat(server.get("/api/greeting", "X-Api-Key", "k1").statusCode()).isEqualTo(200);
  }

  // ---- shadow mode -----------------------------------------------------------------------------------

  @Test
  void aShadowRuleNeverRejectsAndChangesNoResponseButReportsItsDecisions() {
    use(greetingRule().shadow(true).build());

    List<HttpResponse<String>> responses = getTimes(12, "/api/greeting");

    assertThat(statuses(responses)).containsOnly(200);
    assertThat(responses).allSatisfy(response -> {
      assertThat(response.headers().firstValue("RateLimit")).isEmpty();
      assertThat(response.headers().firstValue("RateLimit-Policy")).isEmpty();
    });
    assertThat(listener.decisions).hasSize(12).allMatch(Reported::shadow);
    assertThat(listener.decisions.stream().filter(d -> !d.allowed()).count()).isEqualTo(2);
  }

  @Test
  void aShadowRuleNeverAnswers400ForABadOrMissingKey() {
    use(greetingRule().key(KeyResolver.header("X-Api-Key")).missingKey(MissingKey.REJECT).shadow(true).build());
    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(200);
    assertThat(server.get("/api/greeting", "X-Api-Key", "K".repeat(300)).statusCode()).isEqualTo(200);
  }

  @Test
  void aShadowRuleWithASharedBucketObservesKeylessRequests() {
    use(greetingRule().key(KeyResolver.header("X-Api-Key")).missingKey(MissingKey.SHARED).shadow(true).build());
    assertThat(statuses(getTimes(11, "/api/greeting"))).containsOnly(200);
    assertThat(listener.decisions).hasSize(11).contains(new Reported("greeting", false, true));
  }

  @Test
  void aShadowRuleBesideAnEnforcingOneLeavesTheEnforcingAnswerAlone() {
    RateLimitPolicy strict = RateLimitPolicy.of("strict", 1, Duration.ofSeconds(10));
    use(RateLimitRule.builder().policy(strict).key(KeyResolver.clientIp(loopbackProxies)).shadow(true).build(),
        greetingRule().build());
    HttpResponse<String> second = getTimes(2, "/api/greeting").get(1);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(header(second, "RateLimit-Policy")).isEqualTo("\"greeting\";q=10;w=10");
    assertThat(listener.decisions).contains(new Reported("strict", false, true));
  }

  // ---- matching --------------------------------------------------------------------------------------

  @Test
  void onlyMatchingMethodsAndPathsAreLimited() {
    use(greetingRule().methods("GET").build());
    getTimes(10, "/api/greeting");

    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(429);
    assertThat(server.send("HEAD", "/api/greeting").statusCode()).isEqualTo(429);
    HttpResponse<String> post = server.send("POST", "/api/greeting");
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(post.headers().firstValue("RateLimit")).isEmpty();
    HttpResponse<String> other = server.get("/api/other");
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(other.headers().firstValue("RateLimit")).isEmpty();
  }

  @Test
  void aRuleForEveryMethodDoesNotChargeCorsPreflights() {
    String[] preflight = {"Origin", "https://app.example", "Access-Control-Request-Method", "POST"};
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> answer = server.send("OPTIONS", "/api/greeting", preflight);
      assertThat(answer.statusCode()).as("preflight %d", i).isEqualTo(200);
      assertThat(answer.headers().firstValue("RateLimit")).as("preflight %d", i).isEmpty();
    }
    assertThat(listener.decisions).isEmpty();

    // The quota is whole for the requests the preflights announced.
    assertThat(statuses(getTimes(10, "/api/greeting"))).containsOnly(200);
    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(429);
  }

  @Test
  void anOptionsRequestThatIsNoCorsPreflightIsStillCharged() {
    getTimes(9, "/api/greeting");
    // Origin alone, or Access-Control-Request-Method alone, does not make a preflight.
    assertThat(server.send("OPTIONS", "/api/greeting", "Origin", "https://app.example").statusCode())
        .isEqualTo(200);
    assertThat(server.send("OPTIONS", "/api/greeting", "Access-Control-Request-Method", "POST").statusCode())
        .isEqualTo(429);
  }

  @Test
  void aRuleThatListsOptionsChargesCorsPreflights() {
    use(greetingRule().methods("GET", "OPTIONS").build());
    getTimes(10, "/api/greeting");

    HttpResponse<String> preflight = server.send("OPTIONS", "/api/greeting",
        "Origin", "https://app.example", "Access-Control-Request-Method", "GET");

    assertThat(preflight.statusCode()).isEqualTo(429);
  }

  @Test
  void wildcardSegmentsMatchOneSegment() {
    RateLimitPolicy items = RateLimitPolicy.of("items", 1, Duration.ofSeconds(10));
    use(RateLimitRule.builder().policy(items).path("/api/*/items").key(KeyResolver.clientIp(loopbackProxies)).build());
    assertThat(server.get("/api/1/items").statusCode()).isEqualTo(200);
    assertThat(server.get("/api/2/items").statusCode()).isEqualTo(429);
    assertThat(server.get("/api/2/items/3").headers().firstValue("RateLimit")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/api/greeting;jsessionid=1", "/api/%67reeting", "/api/./greeting", "/api/x/../greeting",
      "//api/greeting"})
  void pathTricksThatReachTheSameServletCountAgainstTheSameLimit(String trick) {
    getTimes(10, "/api/greeting");
    HttpResponse<String> response = server.get(trick);
    assertThat(response.statusCode()).as(trick).isEqualTo(429);
  }

  // ---- failures --------------------------------------------------------------------------------------

  @Test
  void aLimiterThatThrowsLetsRequestsPassWithoutHeaderFields() {
    RateLimiter unavailable = (key, policy, permits) -> {
      throw new RateLimiterUnavailableException("Redis timed out after 50 ms", null);
    };
    use(unavailable, greetingRule().build());

    List<HttpResponse<String>> responses = getTimes(12, "/api/greeting");

    assertThat(statuses(responses)).containsOnly(200);
    assertThat(responses.get(0).headers().firstValue("RateLimit")).isEmpty();
    assertThat(listener.decisions).isEmpty();
  }

  @Test
  void logsALimiterOutageOnceAtWarnAndItsEndAtInfo() {
    Logger logger = (Logger) LoggerFactory.getLogger(RateLimitFilter.class);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      AtomicBoolean down = new AtomicBoolean(true);
      RateLimiter flaky = (key, policy, permits) -> {
        if (down.get()) {
          throw new RateLimiterUnavailableException("Redis timed out after 50 ms", null);
        }
        return limiter.tryAcquire(key, policy, permits);
      };
      use(flaky, greetingRule().build());

      getTimes(3, "/api/greeting");
      down.set(false);
      getTimes(2, "/api/greeting");

      assertThat(logs.list).filteredOn(event -> event.getLevel() == Level.WARN).hasSize(1)
          .first().satisfies(event -> assertThat(event.getFormattedMessage())
              .contains("\"greeting\"", "FallbackRateLimiter").doesNotContain("127.0.0.1"));
      assertThat(logs.list).filteredOn(event -> event.getLevel() == Level.INFO).hasSize(1);
    } finally {
      logger.detachAppender(logs);
    }
  }

  @Test
  void aLimiterBugIsNoServerErrorEither() {
    RateLimiter buggy = (key, policy, permits) -> {
      throw new IllegalStateException("bug");
    };
    use(buggy, greetingRule().build());
    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(200);
  }

  @Test
  void advertisesTheLimitThatDecidedWhenTheLimiterDoesNotSayWhichPolicyItApplied() {
    // Decides under other limits (as a wrapper around a degraded fallback would) and keeps the default
    // appliedPolicy, which names the rule's policy.
    RateLimitPolicy perInstance = RateLimitPolicy.of("greeting", 3, Duration.ofSeconds(30));
    RateLimiter wrapper = (key, policy, permits) -> limiter.tryAcquire(key, perInstance, permits);
    use(wrapper, greetingRule().build());

    HttpResponse<String> response = server.get("/api/greeting");
    assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"greeting\";q=3;w=30");
    assertThat(response.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"greeting\";r=2;t=");
  }

  @Test
  void aLimiterWhoseAppliedPolicyFailsStillAnswersWithTheRulesHeaderFields() {
    RateLimiter buggy = new RateLimiter() {
      @Override
      public RateLimitDecision tryAcquire(String key, RateLimitPolicy policy, int permits) {
        return limiter.tryAcquire(key, policy, permits);
      }

      @Override
      public RateLimitPolicy appliedPolicy(RateLimitPolicy policy, RateLimitDecision decision) {
        throw new IllegalStateException("bug");
      }
    };
    use(buggy, greetingRule().build());

    HttpResponse<String> response = server.get("/api/greeting");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"greeting\";q=10;w=10");
  }

  @Test
  void aKeyResolverBugSkipsItsRule() {
    use(greetingRule().key(request -> {
      throw new IllegalStateException("resolver bug");
    }).build());
    assertThat(statuses(getTimes(11, "/api/greeting"))).containsOnly(200);
  }

  // ---- configuration ---------------------------------------------------------------------------------

  @Test
  void refusesTwoPoliciesWithOneNameButDifferentLimits() {
    RateLimitPolicy perSecond = RateLimitPolicy.of("api", 2, Duration.ofSeconds(1));
    RateLimitPolicy perMinute = RateLimitPolicy.of("api", 2, Duration.ofMinutes(1));
    RateLimitFilter.Builder filter = RateLimitFilter.builder().limiter(limiter)
        .rule(RateLimitRule.builder().policy(perSecond).path("/a").key(KeyResolver.clientIp(loopbackProxies)).build())
        .rule(RateLimitRule.builder().policy(perMinute).path("/b").key(KeyResolver.clientIp(loopbackProxies)).build());

    assertThatIllegalStateException()
        .isThrownBy(filter::build)
        .withMessageContaining("policy name 'api' with different limits")
        .withMessageContaining("give each policy its own name");
  }

  @Test
  void aPolicyCheckedUnderTwoRulesChargesOneStateAndIsListedOnce() {
    RateLimitPolicy sameAsGreeting = RateLimitPolicy.of("greeting", 10, Duration.ofSeconds(10));
    use(greetingRule().build(),
        RateLimitRule.builder().policy(sameAsGreeting).path("/api/**")
            .key(KeyResolver.clientIp(loopbackProxies)).build());

    HttpResponse<String> first = server.get("/api/greeting");
    assertThat(header(first, "RateLimit-Policy")).isEqualTo("\"greeting\";q=10;w=10");
    assertThat(header(first, "RateLimit")).isEqualTo("\"greeting\";r=8;t=2");
    assertThat(statuses(getTimes(4, "/api/greeting"))).containsOnly(200);
    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(429);
  }

  @Test
  void needsALimiterAndAtLeastOneRule() {
    assertThatIllegalStateException()
        .isThrownBy(() -> RateLimitFilter.builder().rule(greetingRule().build()).build())
        .withMessageContaining("limiter(RateLimiter)");
    assertThatIllegalStateException()
        .isThrownBy(() -> RateLimitFilter.builder().limiter(limiter).build())
        .withMessageContaining("rule(RateLimitRule)");
  }
}
