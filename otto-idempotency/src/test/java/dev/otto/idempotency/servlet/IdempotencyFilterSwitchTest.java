package dev.otto.idempotency.servlet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.otto.idempotency.FakeClock;
import dev.otto.idempotency.IdempotencyListener.Outcome;
import dev.otto.idempotency.IdempotencyRecord;
import dev.otto.idempotency.memory.MemoryIdempotencyStore;
import dev.otto.testsupport.Waiting;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The run-time switch and the shadow override, in a real embedded Tomcat 11 with the memory store. */
class IdempotencyFilterSwitchTest {

  private static final String PAYMENTS = "/api/payments";
  private static final String PAYMENT = "{\"amount\":100,\"currency\":\"EUR\"}";

  private static TestServer server;

  private final FakeClock clock = new FakeClock();
  private final MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();
  private final RecordingListener listener = new RecordingListener();
  private final AtomicInteger executions = new AtomicInteger();
  private final AtomicBoolean enabled = new AtomicBoolean(true);
  private final AtomicBoolean shadow = new AtomicBoolean(false);
  private final String key = "key-" + UUID.randomUUID();

  @BeforeAll
  static void startServer() {
    server = TestServer.start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void useSwitchedFilter() {
    server.use(IdempotencyFilter.builder()
        .store(store)
        .listener(listener)
        .rule(IdempotencyRule.builder().path(PAYMENTS).build())
        .enabled(enabled::get)
        .shadow(shadow::get)
        .build());
    server.handle(this::payment);
  }

  /** Counts and answers 201 with a new id each time it runs. */
  private void payment(HttpServletRequest request, HttpServletResponse response) throws IOException {
    executions.incrementAndGet();
    String body = new String(request.getInputStream().readAllBytes(), UTF_8);
    response.setStatus(201);
    response.setContentType("application/json");
    response.getWriter().write("{\"id\":\"" + UUID.randomUUID() + "\",\"request\":" + body + "}");
  }

  private HttpResponse<byte[]> pay(String body) {
    return server.post(PAYMENTS, body, "Idempotency-Key", key);
  }

  private IdempotencyRecord.@Nullable State storedState() {
    return store.find(RequestDigests.scopedKey("", "POST", PAYMENTS, key))
        .map(IdempotencyRecord::state)
        .orElse(null);
  }

  private static boolean replayed(HttpResponse<byte[]> response) {
    return response.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER).isPresent();
  }

  private static void await(CountDownLatch latch) throws InterruptedIOException {
    try {
      if (!latch.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test did not release the handler within 20 seconds");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  // ---- enabled ---------------------------------------------------------------------------------------

  @Test
  void replaysADuplicateWhileTheSwitchIsOn() {
    HttpResponse<byte[]> first = pay(PAYMENT);
    HttpResponse<byte[]> duplicate = pay(PAYMENT);

    assertThat(replayed(duplicate)).isTrue();
    assertThat(duplicate.body()).isEqualTo(first.body());
    assertThat(executions).hasValue(1);
  }

  @Test
  void runsADuplicateAgainWithoutReplayWhileTheSwitchIsOff() {
    enabled.set(false);

    HttpResponse<byte[]> first = pay(PAYMENT);
    HttpResponse<byte[]> duplicate = pay(PAYMENT);

    assertThat(List.of(first.statusCode(), duplicate.statusCode())).containsOnly(201);
    assertThat(replayed(duplicate)).isFalse();
    assertThat(duplicate.body()).isNotEqualTo(first.body());
    assertThat(executions).hasValue(2);
    assertThat(storedState()).as("nothing is claimed or stored").isNull();
    assertThat(listener.outcomes()).isEmpty();
    assertThat(listener.operations()).isEmpty();
  }

  @Test
  void neitherRequiresNorChecksAKeyWhileTheSwitchIsOff() {
    enabled.set(false);

    HttpResponse<byte[]> keyless = server.post(PAYMENTS, PAYMENT);
    HttpResponse<byte[]> invalid = server.post(PAYMENTS, PAYMENT, "Idempotency-Key", "not valid");

    assertThat(keyless.statusCode()).isEqualTo(201);
    assertThat(invalid.statusCode()).isEqualTo(201);
  }

  @Test
  void switchingOffAndOnTakesEffectOnTheNextRequest() {
    HttpResponse<byte[]> first = pay(PAYMENT);

    enabled.set(false);
    HttpResponse<byte[]> whileOff = pay(PAYMENT);
    assertThat(replayed(whileOff)).isFalse();
    assertThat(executions).hasValue(2);

    enabled.set(true);
    HttpResponse<byte[]> whileOn = pay(PAYMENT);
    assertThat(replayed(whileOn)).isTrue();
    assertThat(whileOn.body()).as("the record stored before the switch was off").isEqualTo(first.body());
    assertThat(executions).hasValue(2);
  }

  @Test
  void aRequestAlreadyRunningWhenTheSwitchIsTurnedOffCompletesItsClaim() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.handle((request, response) -> {
      entered.countDown();
      await(release);
      payment(request, response);
    });
    CompletableFuture<HttpResponse<byte[]>> running = server.postAsync(PAYMENTS, PAYMENT, "Idempotency-Key", key);
    assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(storedState()).isEqualTo(IdempotencyRecord.State.IN_PROGRESS);

    enabled.set(false);
    release.countDown();

    HttpResponse<byte[]> response = running.get(20, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(replayed(response)).isFalse();
    // The response can reach the client a moment before the filter stores it and reports.
    Waiting.awaitTrue(Duration.ofSeconds(10), "the request to be reported",
        () -> !listener.outcomes().isEmpty());
    assertThat(listener.outcomes()).containsExactly(Outcome.EXECUTED);
    assertThat(storedState()).as("the claim was completed, not abandoned")
        .isEqualTo(IdempotencyRecord.State.COMPLETED);

    server.handle(this::payment);
    enabled.set(true);
    HttpResponse<byte[]> duplicate = pay(PAYMENT);
    assertThat(replayed(duplicate)).isTrue();
    assertThat(duplicate.body()).isEqualTo(response.body());
  }

  @Test
  void aFailingRequestAlreadyRunningWhenTheSwitchIsTurnedOffReleasesItsClaim() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.handle((request, response) -> {
      entered.countDown();
      await(release);
      response.setStatus(503);
    });
    CompletableFuture<HttpResponse<byte[]>> running = server.postAsync(PAYMENTS, PAYMENT, "Idempotency-Key", key);
    assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();

    enabled.set(false);
    release.countDown();

    assertThat(running.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
    // The response can reach the client a moment before the filter releases the key.
    Waiting.awaitTrue(Duration.ofSeconds(10), "a 5xx to release the key",
        () -> listener.operations().contains("release"));
    assertThat(listener.operations()).containsExactly("claim", "release");
    assertThat(storedState()).isNull();
  }

  @Test
  void readsEachSwitchOncePerRequest() {
    AtomicInteger enabledReads = new AtomicInteger();
    AtomicInteger shadowReads = new AtomicInteger();
    server.use(IdempotencyFilter.builder()
        .store(store)
        .rule(IdempotencyRule.builder().path(PAYMENTS).build())
        .enabled(() -> enabledReads.incrementAndGet() > 0)
        .shadow(() -> shadowReads.incrementAndGet() < 0)
        .build());

    pay(PAYMENT);

    assertThat(enabledReads).hasValue(1);
    assertThat(shadowReads).hasValue(1);
  }

  // ---- shadow override -------------------------------------------------------------------------------

  @Test
  void theShadowOverrideRunsEveryRequestAndReportsWhatEnforcementWouldHaveDone() {
    shadow.set(true);

    HttpResponse<byte[]> first = pay(PAYMENT);
    HttpResponse<byte[]> duplicate = pay(PAYMENT);
    HttpResponse<byte[]> different = pay("{\"amount\":5}");
    HttpResponse<byte[]> keyless = server.post(PAYMENTS, PAYMENT);

    assertThat(List.of(first, duplicate, different, keyless)).allSatisfy(response -> {
      assertThat(response.statusCode()).isEqualTo(201);
      assertThat(replayed(response)).isFalse();
    });
    assertThat(executions).hasValue(4);
    assertThat(listener.outcomes()).isEmpty();
    assertThat(listener.shadowOutcomes())
        .containsExactly(Outcome.EXECUTED, Outcome.REPLAYED, Outcome.MISMATCH, Outcome.REJECTED);
  }

  @Test
  void endingTheShadowOverrideReplaysWhatTheShadowStored() {
    shadow.set(true);
    HttpResponse<byte[]> first = pay(PAYMENT);

    shadow.set(false);
    HttpResponse<byte[]> duplicate = pay(PAYMENT);

    assertThat(replayed(duplicate)).isTrue();
    assertThat(duplicate.body()).isEqualTo(first.body());
    assertThat(executions).hasValue(1);
    assertThat(listener.outcomes()).containsExactly(Outcome.REPLAYED);
  }

  @Test
  void aShadowRuleStaysShadowWhenTheOverrideIsOff() {
    server.use(IdempotencyFilter.builder()
        .store(store)
        .listener(listener)
        .rule(IdempotencyRule.builder().path(PAYMENTS).shadow(true).build())
        .shadow(shadow::get)
        .build());

    pay(PAYMENT);
    HttpResponse<byte[]> duplicate = pay(PAYMENT);

    assertThat(replayed(duplicate)).isFalse();
    assertThat(listener.shadowOutcomes()).containsExactly(Outcome.EXECUTED, Outcome.REPLAYED);
  }

  @Test
  void rejectsNullSwitchesByName() {
    assertThatNullPointerException().isThrownBy(() -> IdempotencyFilter.builder().enabled(null))
        .withMessageContaining("enabled");
    assertThatNullPointerException().isThrownBy(() -> IdempotencyFilter.builder().shadow(null))
        .withMessageContaining("shadow");
  }
}
