package dev.otto.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.local.LocalRateLimiter;
import dev.otto.ratelimit.servlet.RecordingListener.Reported;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The run-time switch and the shadow override, inside a real Tomcat 11 with the local limiter on a clock
 * that stands still, so every request in a test falls into one window.
 */
class RateLimitFilterSwitchTest {

  private static final RateLimitPolicy GREETING = RateLimitPolicy.of("greeting", 10, Duration.ofSeconds(10));

  private static TomcatServer server;

  private final MutableClock clock = new MutableClock();
  private final LocalRateLimiter limiter = LocalRateLimiter.builder().clock(clock).build();
  private final RecordingListener listener = new RecordingListener();
  private final AtomicBoolean enabled = new AtomicBoolean(true);
  private final AtomicBoolean shadow = new AtomicBoolean(false);

  @BeforeAll
  static void startTomcat() {
    server = TomcatServer.start();
  }

  @AfterAll
  static void stopTomcat() throws Exception {
    server.close();
  }

  private RateLimitRule.Builder greetingRule() {
    return RateLimitRule.builder()
        .policy(GREETING)
        .path("/api/greeting")
        .key(KeyResolver.firstOf(KeyResolver.header("X-Api-Key"),
            KeyResolver.clientIp(ClientIpResolver.builder().trustedProxies("127.0.0.0/8", "::1").build())));
  }

  private void useSwitchedFilter(RateLimitRule rule) {
    server.use(RateLimitFilter.builder()
        .limiter(limiter)
        .rule(rule)
        .listener(listener)
        .enabled(enabled::get)
        .shadow(shadow::get)
        .build());
  }

  private List<HttpResponse<String>> getTimes(int times) {
    List<HttpResponse<String>> responses = new ArrayList<>();
    for (int i = 0; i < times; i++) {
      responses.add(server.get("/api/greeting"));
    }
    return responses;
  }

  private static List<Integer> statuses(List<HttpResponse<String>> responses) {
    return responses.stream().map(HttpResponse::statusCode).toList();
  }

  private static boolean hasRateLimitHeaders(HttpResponse<?> response) {
    return response.headers().firstValue("RateLimit").isPresent()
        && response.headers().firstValue("RateLimit-Policy").isPresent();
  }

  private static boolean hasNoRateLimitHeaders(HttpResponse<?> response) {
    return response.headers().firstValue("RateLimit").isEmpty()
        && response.headers().firstValue("RateLimit-Policy").isEmpty()
        && response.headers().firstValue("Retry-After").isEmpty();
  }

  // ---- enabled ---------------------------------------------------------------------------------------

  @Test
  void limitsAsUsualWhileTheSwitchIsOn() {
    useSwitchedFilter(greetingRule().build());

    List<HttpResponse<String>> responses = getTimes(11);

    assertThat(statuses(responses).subList(0, 10)).containsOnly(200);
    assertThat(responses.get(10).statusCode()).isEqualTo(429);
    assertThat(responses).allMatch(RateLimitFilterSwitchTest::hasRateLimitHeaders);
  }

  @Test
  void passesTheEleventhRequestWithoutHeadersWhileTheSwitchIsOff() {
    useSwitchedFilter(greetingRule().build());
    enabled.set(false);

    List<HttpResponse<String>> responses = getTimes(11);

    assertThat(statuses(responses)).containsOnly(200);
    assertThat(responses).allMatch(RateLimitFilterSwitchTest::hasNoRateLimitHeaders);
    assertThat(responses.get(10).body()).isEqualTo("{\"message\":\"hello\"}");
    assertThat(listener.decisions).as("nothing is decided, so nothing is reported").isEmpty();
  }

  @Test
  void chargesNothingWhileTheSwitchIsOff() {
    useSwitchedFilter(greetingRule().build());
    enabled.set(false);
    getTimes(10);

    enabled.set(true);

    assertThat(statuses(getTimes(11))).containsExactly(200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 429);
  }

  @Test
  void switchingOffAndOnTakesEffectOnTheNextRequest() {
    useSwitchedFilter(greetingRule().build());
    getTimes(10);
    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(429);

    enabled.set(false);
    HttpResponse<String> passed = server.get("/api/greeting");
    assertThat(passed.statusCode()).isEqualTo(200);
    assertThat(hasNoRateLimitHeaders(passed)).isTrue();

    enabled.set(true);
    HttpResponse<String> limited = server.get("/api/greeting");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(hasRateLimitHeaders(limited)).isTrue();
  }

  @Test
  void readsEachSwitchOncePerRequest() {
    AtomicInteger enabledReads = new AtomicInteger();
    AtomicInteger shadowReads = new AtomicInteger();
    server.use(RateLimitFilter.builder()
        .limiter(limiter)
        .rule(greetingRule().build())
        .enabled(() -> enabledReads.incrementAndGet() > 0)
        .shadow(() -> shadowReads.incrementAndGet() < 0)
        .build());

    server.get("/api/greeting");

    assertThat(enabledReads).hasValue(1);
    assertThat(shadowReads).hasValue(1);
  }

  @Test
  void noRequestFailsWhileTheSwitchIsToggledUnderConcurrentLoad() throws Exception {
    useSwitchedFilter(greetingRule().build());
    int clients = 4;
    int requestsPerClient = 50;
    int requestsPerFlip = 3;
    Semaphore answered = new Semaphore(0);
    AtomicBoolean clientsDone = new AtomicBoolean();
    AtomicInteger flips = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
    List<HttpResponse<String>> responses;
    try {
      // Flips the switch after every few answers, so flips interleave with requests in flight.
      Future<?> toggler = pool.submit(() -> {
        while (true) {
          if (answered.tryAcquire(requestsPerFlip, 20, TimeUnit.MILLISECONDS)) {
            enabled.set(!enabled.get());
            flips.incrementAndGet();
          } else if (clientsDone.get()) {
            return null;
          }
        }
      });
      List<Future<List<HttpResponse<String>>>> sent = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        sent.add(pool.submit(() -> {
          List<HttpResponse<String>> mine = new ArrayList<>();
          for (int i = 0; i < requestsPerClient; i++) {
            mine.add(server.get("/api/greeting", "X-Api-Key", "load"));
            answered.release();
          }
          return mine;
        }));
      }
      responses = new ArrayList<>();
      for (Future<List<HttpResponse<String>>> client : sent) {
        responses.addAll(client.get(60, TimeUnit.SECONDS)); // rethrows any failed request
      }
      clientsDone.set(true);
      toggler.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }

    assertThat(flips.get()).isEqualTo(clients * requestsPerClient / requestsPerFlip);
    assertThat(responses).hasSize(clients * requestsPerClient).allSatisfy(response -> {
      if (response.statusCode() == 429) {
        assertThat(hasRateLimitHeaders(response)).isTrue();
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
            type -> assertThat(type).startsWith("application/problem+json"));
      } else {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"message\":\"hello\"}");
        assertThat(hasRateLimitHeaders(response) || hasNoRateLimitHeaders(response))
            .as("a response is either limited with both header fields or passed with none").isTrue();
      }
    });

    // The change is visible on the very next request, whatever happened before.
    enabled.set(false);
    HttpResponse<String> passed = server.get("/api/greeting", "X-Api-Key", "load");
    assertThat(passed.statusCode()).isEqualTo(200);
    assertThat(hasNoRateLimitHeaders(passed)).isTrue();
    enabled.set(true);
    List<Integer> limited = new ArrayList<>();
    for (int i = 0; i <= GREETING.limits().get(0).quota() && !limited.contains(429); i++) {
      HttpResponse<String> response = server.get("/api/greeting", "X-Api-Key", "load");
      assertThat(hasRateLimitHeaders(response)).isTrue();
      limited.add(response.statusCode());
    }
    assertThat(limited).as("the frozen window runs out within one quota").contains(429);
  }

  // ---- shadow override -------------------------------------------------------------------------------

  @Test
  void theShadowOverrideDecidesAndReportsButNeverRejectsNorAddsHeaders() {
    useSwitchedFilter(greetingRule().build());
    shadow.set(true);

    List<HttpResponse<String>> responses = getTimes(12);

    assertThat(statuses(responses)).containsOnly(200);
    assertThat(responses).allMatch(RateLimitFilterSwitchTest::hasNoRateLimitHeaders);
    assertThat(listener.decisions).hasSize(12).allMatch(Reported::shadow);
    assertThat(listener.decisions.stream().filter(decision -> !decision.allowed()).count()).isEqualTo(2);
  }

  @Test
  void endingTheShadowOverrideEnforcesOnTheNextRequest() {
    useSwitchedFilter(greetingRule().build());
    shadow.set(true);
    getTimes(10);

    shadow.set(false);
    HttpResponse<String> limited = server.get("/api/greeting");

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(hasRateLimitHeaders(limited)).isTrue();
    assertThat(listener.decisions.get(listener.decisions.size() - 1))
        .isEqualTo(new Reported("greeting", false, false));
  }

  @Test
  void theShadowOverrideNeverAnswers400ForABadOrMissingKey() {
    useSwitchedFilter(greetingRule().key(KeyResolver.header("X-Api-Key")).missingKey(MissingKey.REJECT).build());
    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(400);

    shadow.set(true);

    assertThat(server.get("/api/greeting").statusCode()).isEqualTo(200);
    assertThat(server.get("/api/greeting", "X-Api-Key", "K".repeat(300)).statusCode()).isEqualTo(200);
  }

  @Test
  void aShadowRuleStaysShadowWhenTheOverrideIsOff() {
    useSwitchedFilter(greetingRule().shadow(true).build());

    assertThat(statuses(getTimes(11))).containsOnly(200);
    assertThat(listener.decisions).hasSize(11).allMatch(Reported::shadow);
  }

  @Test
  void theSwitchOffWinsOverTheShadowOverride() {
    useSwitchedFilter(greetingRule().build());
    shadow.set(true);
    enabled.set(false);

    getTimes(3);

    assertThat(listener.decisions).isEmpty();
  }

  @Test
  void rejectsNullSwitchesByName() {
    assertThatNullPointerException().isThrownBy(() -> RateLimitFilter.builder().enabled(null))
        .withMessageContaining("enabled");
    assertThatNullPointerException().isThrownBy(() -> RateLimitFilter.builder().shadow(null))
        .withMessageContaining("shadow");
  }
}
