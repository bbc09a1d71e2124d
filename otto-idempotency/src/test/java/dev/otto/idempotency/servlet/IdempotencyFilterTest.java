package dev.otto.idempotency.servlet;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.otto.idempotency.CapturedLogs;
import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.FakeClock;
import dev.otto.idempotency.IdempotencyListener.Outcome;
import dev.otto.idempotency.IdempotencyRecord;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.IdempotencyStoreException;
import dev.otto.idempotency.StoredResponse;
import dev.otto.idempotency.memory.MemoryIdempotencyStore;
import dev.otto.idempotency.micrometer.IdempotencyMetrics;
import dev.otto.testsupport.EmbeddedTomcat.RawResponse;
import dev.otto.testsupport.Waiting;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The filter in a real embedded Tomcat 11, with the memory store on a fake clock. */
class IdempotencyFilterTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String PAYMENTS = "/api/payments";
  private static final String TWILIO = "/webhooks/twilio";
  private static final String PAYMENT = "{\"amount\":100,\"currency\":\"EUR\"}";

  private static TestServer server;

  private final FakeClock clock = new FakeClock();
  private final MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();
  private final RecordingListener listener = new RecordingListener();
  private final AtomicInteger executions = new AtomicInteger();
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
  void useDefaults() {
    server.use(filter().build());
    server.handle(this::payment);
  }

  private IdempotencyFilter.Builder filter() {
    return IdempotencyFilter.builder()
        .store(store)
        .listener(listener)
        .rule(IdempotencyRule.builder().path(PAYMENTS).build())
        .rule(IdempotencyRule.builder().path(TWILIO).methods("POST").keyHeader("I-Twilio-Idempotency-Token")
            .build());
  }

  /** The payment handler: counts, echoes the body and answers 201 with a new id each time it runs. */
  private void payment(HttpServletRequest request, HttpServletResponse response) throws IOException {
    int execution = executions.incrementAndGet();
    String body = new String(request.getInputStream().readAllBytes(), UTF_8);
    response.setStatus(201);
    response.setContentType("application/json");
    response.setHeader("Location", PAYMENTS + "/" + execution);
    response.getWriter().write("{\"id\":\"" + UUID.randomUUID() + "\",\"request\":" + body + "}");
  }

  private HttpResponse<byte[]> pay(String body, String... headers) {
    List<String> all = new ArrayList<>(List.of("Idempotency-Key", key));
    all.addAll(List.of(headers));
    return server.post(PAYMENTS, body, all.toArray(new String[0]));
  }

  private static JsonNode problem(HttpResponse<byte[]> response) {
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    return JSON.readTree(response.body());
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), UTF_8);
  }

  private String storeKey(String principal, String path, String clientKey) {
    return RequestDigests.scopedKey(principal, "POST", path, clientKey);
  }

  /** Waits until the filter has completed or released the key after sending the response. */
  private void awaitSettled(String storeKey) {
    Waiting.awaitTrue(Duration.ofSeconds(10), "the claim to be completed or released", () -> {
      Optional<IdempotencyRecord> record = store.find(storeKey);
      return record.isEmpty() || record.get().state() == IdempotencyRecord.State.COMPLETED;
    });
  }

  private void awaitSettled() {
    awaitSettled(storeKey("", PAYMENTS, key));
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

  @Test
  void runsTheFirstRequestOnce() {
    HttpResponse<byte[]> first = pay(PAYMENT);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(text(first)).contains("\"request\":" + PAYMENT);
    assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(executions).hasValue(1);
    assertThat(listener.outcomes()).containsExactly(Outcome.EXECUTED);
    assertThat(listener.operations()).containsExactly("claim", "complete");
  }

  @Test
  void replaysTheSameKeyAndBodyByteForByteWithoutRunningTheHandler() {
    HttpResponse<byte[]> first = pay(PAYMENT);

    HttpResponse<byte[]> replay = pay(PAYMENT);

    assertThat(replay.statusCode()).isEqualTo(201);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(replay.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
    assertThat(replay.headers().firstValue("Location")).hasValue(PAYMENTS + "/1");
    assertThat(replay.headers().firstValueAsLong("Content-Length")).hasValue(first.body().length);
    assertThat(executions).hasValue(1);
    assertThat(listener.outcomes()).containsExactly(Outcome.EXECUTED, Outcome.REPLAYED);
  }

  @Test
  void answers422ForTheSameKeyWithAnotherBody() {
    pay(PAYMENT);

    HttpResponse<byte[]> other = pay("{\"amount\":999,\"currency\":\"EUR\"}");

    assertThat(other.statusCode()).isEqualTo(422);
    JsonNode problem = problem(other);
    assertThat(problem.get("type").asString()).isEqualTo("https://otto.dev/problems/idempotency-key-mismatch");
    assertThat(problem.get("title").asString()).isEqualTo("Idempotency key reused");
    assertThat(text(other)).doesNotContain(key);
    assertThat(executions).hasValue(1);
    assertThat(listener.outcomes()).containsExactly(Outcome.EXECUTED, Outcome.MISMATCH);
  }

  @Test
  void answers422ForTheSameKeyWithAnotherQueryString() {
    pay(PAYMENT);

    HttpResponse<byte[]> other = server.post(PAYMENTS + "?currency=USD", PAYMENT, "Idempotency-Key", key);

    assertThat(other.statusCode()).isEqualTo(422);
  }

  @Test
  void answers409WithRetryAfterWhileTheFirstIsRunningAnd422ForAnotherBody() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    server.handle((request, response) -> {
      entered.countDown();
      await(release);
      payment(request, response);
    });
    CompletableFuture<HttpResponse<byte[]>> first = server.postAsync(PAYMENTS, PAYMENT, "Idempotency-Key", key);
    assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();

    HttpResponse<byte[]> duplicate = pay(PAYMENT);
    HttpResponse<byte[]> different = pay("{\"amount\":1,\"currency\":\"EUR\"}");
    release.countDown();

    assertThat(duplicate.statusCode()).isEqualTo(409);
    assertThat(duplicate.headers().firstValue("Retry-After")).hasValue("5"); // 60 s lease, capped at 5 s
    JsonNode problem = problem(duplicate);
    assertThat(problem.get("type").asString()).isEqualTo("https://otto.dev/problems/idempotency-key-in-flight");
    assertThat(problem.get("retryAfter").asLong()).isEqualTo(5);
    assertThat(text(duplicate)).doesNotContain(key);
    assertThat(different.statusCode()).isEqualTo(422);
    assertThat(first.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
    assertThat(executions).hasValue(1);
    assertThat(listener.outcomes()).containsExactlyInAnyOrder(Outcome.IN_FLIGHT, Outcome.MISMATCH, Outcome.EXECUTED);
  }

  @Test
  void answers400WithoutAKey() {
    HttpResponse<byte[]> response = server.post(PAYMENTS, PAYMENT);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode problem = problem(response);
    assertThat(problem.get("type").asString()).isEqualTo("https://otto.dev/problems/idempotency-key-missing");
    assertThat(problem.get("detail").asString()).contains("Idempotency-Key");
    assertThat(executions).hasValue(0);
    assertThat(listener.outcomes()).containsExactly(Outcome.REJECTED);
    assertThat(listener.storeCalls).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"with space", "tab\there", "x"})
  void answers400ForKeysThatAreNotVisibleAsciiAndNeverEchoesThem(String invalid) {
    String sent = invalid.equals("x") ? "k".repeat(256) : invalid;

    HttpResponse<byte[]> response = server.post(PAYMENTS, PAYMENT, "Idempotency-Key", sent);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(problem(response).get("type").asString())
        .isEqualTo("https://otto.dev/problems/idempotency-key-invalid");
    assertThat(text(response)).doesNotContain(sent);
    assertThat(response.headers().map().toString()).doesNotContain(sent);
    assertThat(executions).hasValue(0);
  }

  @Test
  void acceptsAKeyOfTwoHundredFiftyFiveVisibleCharacters() {
    String longest = "!~" + "k".repeat(253);

    HttpResponse<byte[]> response = server.post(PAYMENTS, PAYMENT, "Idempotency-Key", longest);

    assertThat(response.statusCode()).isEqualTo(201);
  }

  @Test
  void answers400ForNonAsciiAndDeleteCharactersInTheKeyWithoutEchoingThem() {
    for (byte[] invalid : List.of("caf\u00e9-key".getBytes(UTF_8), "del\u007fkey".getBytes(StandardCharsets.ISO_8859_1))) {
      byte[] head = concat("POST /api/payments HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nIdempotency-Key: "
          .getBytes(StandardCharsets.ISO_8859_1), invalid, "\r\n".getBytes(StandardCharsets.ISO_8859_1));

      RawResponse response = server.raw(head);

      assertThat(response.status()).isEqualTo(400);
      assertThat(response.text()).doesNotContain(new String(invalid, StandardCharsets.ISO_8859_1))
          .doesNotContain("caf").doesNotContain("del");
    }
    assertThat(executions).hasValue(0);
  }

  @Test
  void answers400ForAKeySentTwice() {
    HttpResponse<byte[]> response = server.post(PAYMENTS, PAYMENT, "Idempotency-Key", key, "Idempotency-Key", key);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(text(response)).doesNotContain(key);
    assertThat(executions).hasValue(0);
  }

  @Test
  void releasesTheKeyAfterA5xxSoARetryRunsAgain() {
    server.handle((request, response) -> {
      if (executions.incrementAndGet() == 1) {
        response.setStatus(500);
        response.getWriter().write("{\"error\":\"simulated\"}");
      } else {
        response.setStatus(201);
        response.getWriter().write("{\"ok\":true}");
      }
    });

    assertThat(pay(PAYMENT).statusCode()).isEqualTo(500);
    awaitSettled();
    HttpResponse<byte[]> retry = pay(PAYMENT);
    HttpResponse<byte[]> replay = pay(PAYMENT);

    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(executions).hasValue(2);
    assertThat(listener.operations()).containsExactly("claim", "release", "claim", "complete", "claim");
  }

  @Test
  void releasesTheKeyWhenTheHandlerThrows() {
    server.handle((request, response) -> {
      if (executions.incrementAndGet() == 1) {
        throw new IllegalStateException("database is down");
      }
      response.setStatus(201);
    });

    assertThat(pay(PAYMENT).statusCode()).isEqualTo(500);
    awaitSettled();
    assertThat(pay(PAYMENT).statusCode()).isEqualTo(201);

    assertThat(executions).hasValue(2);
  }

  @Test
  void storesA400AndReplaysIt() {
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.setStatus(400);
      response.setContentType("application/problem+json");
      response.getWriter().write("{\"title\":\"Negative amount\"}");
    });

    HttpResponse<byte[]> first = pay("{\"amount\":-1}");
    HttpResponse<byte[]> replay = pay("{\"amount\":-1}");

    assertThat(replay.statusCode()).isEqualTo(400);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(executions).hasValue(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 403, 408, 409, 429})
  void doesNotStoreStatusesThatDependOnTheMomentOrOnCredentials(int status) {
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.setStatus(status);
      response.getWriter().write("{}");
    });

    assertThat(pay(PAYMENT).statusCode()).isEqualTo(status);
    awaitSettled();
    HttpResponse<byte[]> retry = pay(PAYMENT);

    assertThat(retry.statusCode()).isEqualTo(status);
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(executions).hasValue(2);
  }

  @Test
  void storesTheStatusesLeftOutOfAConfiguredNonStoredSet() {
    server.use(filter().nonStoredStatuses(404).build());
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.setStatus(executions.get() == 1 ? 429 : 404);
    });

    pay(PAYMENT);
    assertThat(pay(PAYMENT).headers().firstValue("Idempotent-Replayed")).hasValue("true");

    assertThat(executions).hasValue(1);
  }

  @Test
  void sendsButDoesNotStoreAResponseLargerThanMaxStoredBodyAndWarns() {
    server.use(filter().maxStoredBody(100).build());
    String large = "x".repeat(101);
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.setStatus(201);
      response.getWriter().write(large);
    });

    try (CapturedLogs logs = CapturedLogs.of(IdempotencyFilter.class)) {
      HttpResponse<byte[]> first = pay(PAYMENT);
      awaitSettled();
      HttpResponse<byte[]> retry = pay(PAYMENT);

      assertThat(text(first)).isEqualTo(large);
      assertThat(retry.statusCode()).isEqualTo(201);
      assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
      assertThat(executions).hasValue(2);
      assertThat(logs.at(Level.WARN)).anySatisfy(event ->
          assertThat(event.getFormattedMessage()).contains("101 bytes").contains("maxStoredBody of 100 bytes"));
      assertThat(logs.allText()).doesNotContain(key);
    }
  }

  /**
   * The handler is told that the client went away (the stream throws, or the writer's {@code checkError()}
   * turns true), stops writing and returns normally, as Spring MVC does for a disconnected client.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void neverReplaysNorRunsAgainAResponseCutShortBecauseTheClientWentAway(boolean writer) throws Exception {
    String chunk = "a".repeat(8192);
    int chunks = 64; // far more than the container's buffer: most of the body is written after the reset
    CountDownLatch clientGone = new CountDownLatch(1);
    CountDownLatch firstDone = new CountDownLatch(1);
    AtomicBoolean told = new AtomicBoolean();
    server.handle((request, response) -> {
      boolean first = executions.incrementAndGet() == 1;
      response.setStatus(201);
      response.setContentType("text/plain;charset=UTF-8");
      try {
        Writing out = writer ? Writing.of(response.getWriter()) : Writing.of(response.getOutputStream());
        for (int i = 0; i < chunks && !told.get(); i++) {
          told.set(!out.write(chunk));
          if (first && i == 0) {
            out.flush();
            await(clientGone);
          }
        }
      } catch (IOException e) {
        told.set(true);
      } finally {
        if (first) {
          firstDone.countDown();
        }
      }
    });

    try (CapturedLogs logs = CapturedLogs.of(IdempotencyFilter.class)) {
      sendAndHangUp(PAYMENTS, PAYMENT);
      clientGone.countDown();
      await(firstDone);
      boolean handlerWasTold = told.getAndSet(false);
      // The claim is left in flight on purpose; the warning marks the filter's decision.
      Waiting.awaitTrue(Duration.ofSeconds(10), "the filter to decide", () -> !logs.at(Level.WARN).isEmpty());
      HttpResponse<byte[]> retry = pay(PAYMENT);

      // Never a truncated replay, and never the payment again at once: the key stays claimed.
      assertThat(handlerWasTold).as("the handler learned that the client went away").isTrue();
      assertThat(retry.statusCode()).isEqualTo(409);
      assertThat(retry.headers().firstValue("Idempotent-Replayed")).isEmpty();
      assertThat(executions).hasValue(1);
      assertThat(logs.at(Level.WARN)).singleElement().satisfies(event ->
          assertThat(event.getFormattedMessage()).contains("could not be sent in full").contains("stays claimed"));
      assertThat(logs.allText()).doesNotContain(key);
    }
  }

  /** Writes text through the stream (which throws when sending fails) or the writer (which reports it). */
  private interface Writing {

    /** Writes {@code text}; returns {@code false} when the writer reports a failure. */
    boolean write(String text) throws IOException;

    void flush() throws IOException;

    static Writing of(ServletOutputStream stream) {
      return new Writing() {
        @Override
        public boolean write(String text) throws IOException {
          stream.write(text.getBytes(UTF_8));
          return true;
        }

        @Override
        public void flush() throws IOException {
          stream.flush();
        }
      };
    }

    static Writing of(java.io.PrintWriter writer) {
      return new Writing() {
        @Override
        public boolean write(String text) {
          writer.write(text);
          return !writer.checkError();
        }

        @Override
        public void flush() {
          writer.flush();
        }
      };
    }
  }

  @Test
  void storesTheWholeResponseOfAWriterWhoseClientWentAwayBecauseTheHandlerWroteItAll() throws Exception {
    server.use(filter().maxStoredBody(4 << 20).build());
    String line = "a".repeat(8191) + "\n";
    int lines = 64;
    CountDownLatch clientGone = new CountDownLatch(1);
    server.handle((request, response) -> {
      boolean first = executions.incrementAndGet() == 1;
      response.setStatus(201);
      response.setContentType("text/plain;charset=UTF-8");
      java.io.PrintWriter writer = response.getWriter();
      for (int i = 0; i < lines; i++) {
        writer.write(line); // the container's writer reports no failure: the handler writes everything
        if (first && i == 0) {
          writer.flush();
          await(clientGone);
        }
      }
    });

    sendAndHangUp(PAYMENTS, PAYMENT);
    clientGone.countDown();
    Waiting.awaitTrue(Duration.ofSeconds(10), "the response to be stored",
        () -> store.find(storeKey("", PAYMENTS, key)).map(IdempotencyRecord::state)
            .orElse(null) == IdempotencyRecord.State.COMPLETED);
    HttpResponse<byte[]> retry = pay(PAYMENT);

    assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(text(retry)).isEqualTo(line.repeat(lines));
    assertThat(executions).hasValue(1);
  }

  /**
   * POSTs {@code body} with this test's key from a raw socket, reads the first bytes of the answer and
   * resets the connection, as a client that gives up mid-response does.
   */
  private void sendAndHangUp(String path, String body) throws IOException {
    byte[] bytes = body.getBytes(UTF_8);
    String head = "POST " + path + " HTTP/1.1\r\nHost: localhost\r\nIdempotency-Key: " + key
        + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(concat(head.getBytes(StandardCharsets.US_ASCII), bytes));
      assertThat(socket.getInputStream().read(new byte[64])).as("the first bytes of the answer").isPositive();
      socket.setSoLinger(true, 0); // close with a reset, so the server's next writes fail at once
    }
  }

  @Test
  void storesAResponseOfExactlyMaxStoredBodyWrittenAsBytes() {
    server.use(filter().maxStoredBody(100).build());
    byte[] body = new byte[100];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i * 7);
    }
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.setContentType("application/octet-stream");
      response.getOutputStream().write(body, 0, 60);
      response.getOutputStream().write(body, 60, 40);
    });

    pay(PAYMENT);
    HttpResponse<byte[]> replay = pay(PAYMENT);

    assertThat(replay.body()).isEqualTo(body);
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(executions).hasValue(1);
  }

  @Test
  void storesOnlyWhatIsLeftAfterTheHandlerResetsTheBuffer() {
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.setContentType("text/plain");
      response.getWriter().write("draft that is thrown away");
      response.resetBuffer();
      response.getWriter().write("final");
    });

    HttpResponse<byte[]> first = pay(PAYMENT);
    HttpResponse<byte[]> replay = pay(PAYMENT);

    assertThat(text(first)).isEqualTo("final");
    assertThat(text(replay)).isEqualTo("final");
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
  }

  @ParameterizedTest
  @ValueSource(strings = {"text/plain;charset=UTF-8", "text/plain"})
  void replaysTheBytesTheWriterSentInTheResponsesCharset(String contentType) {
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.setContentType(contentType);
      java.io.PrintWriter writer = response.getWriter();
      writer.print("\u00fcber 100 \u20ac ");
      writer.println("\uD83D\uDE00"); // a surrogate pair, unmappable in ISO-8859-1
      writer.printf("%s%n", "end");
    });

    HttpResponse<byte[]> first = pay(PAYMENT);
    HttpResponse<byte[]> replay = pay(PAYMENT);

    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
  }

  @Test
  void answers413ForARequestBodyLargerThanMaxRequestBodyWithoutRunningTheHandler() {
    server.use(filter().maxRequestBody(100).build());

    HttpResponse<byte[]> declared = pay("x".repeat(101));
    HttpResponse<byte[]> chunked = server.send(server.request(PAYMENTS)
        .header("Idempotency-Key", "chunked-" + key)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[5000])))
        .build());
    HttpResponse<byte[]> fits = pay("\"" + "x".repeat(98) + "\"");

    assertThat(declared.statusCode()).isEqualTo(413);
    assertThat(problem(declared).get("type").asString()).isEqualTo("https://otto.dev/problems/request-too-large");
    assertThat(chunked.statusCode()).isEqualTo(413);
    assertThat(fits.statusCode()).isEqualTo(201);
    assertThat(executions).hasValue(1);
    assertThat(listener.outcomes()).containsExactly(Outcome.REJECTED, Outcome.REJECTED, Outcome.EXECUTED);
  }

  @Test
  void answers503AndDoesNotRunTheHandlerWhenTheStoreFails() {
    server.use(IdempotencyFilter.builder().store(new FailingStore(false)).listener(listener)
        .rule(IdempotencyRule.builder().path(PAYMENTS).build()).build());

    try (CapturedLogs logs = CapturedLogs.of(IdempotencyFilter.class)) {
      HttpResponse<byte[]> response = pay(PAYMENT);

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
      JsonNode problem = problem(response);
      assertThat(problem.get("type").asString())
          .isEqualTo("https://otto.dev/problems/idempotency-store-unavailable");
      assertThat(text(response)).doesNotContain("connection refused").doesNotContain(key);
      assertThat(executions).hasValue(0);
      assertThat(listener.outcomes()).containsExactly(Outcome.REJECTED);
      assertThat(listener.storeCalls).singleElement().satisfies(call -> {
        assertThat(call.operation()).isEqualTo("claim");
        assertThat(call.failure()).isInstanceOf(IdempotencyStoreException.class);
      });
      assertThat(logs.at(Level.WARN)).hasSize(1);
    }
  }

  @Test
  void logsAnErrorAndSendsTheHandlersResponseOnceWhenTheStoreFailsAfterTheHandlerRan() {
    server.use(IdempotencyFilter.builder().store(new FailingStore(true)).listener(listener)
        .rule(IdempotencyRule.builder().path(PAYMENTS).build()).build());

    try (CapturedLogs logs = CapturedLogs.of(IdempotencyFilter.class)) {
      HttpResponse<byte[]> response = pay(PAYMENT);

      assertThat(response.statusCode()).isEqualTo(201);
      assertThat(text(response)).startsWith("{\"id\":");
      assertThat(executions).hasValue(1);
      assertThat(logs.at(Level.ERROR)).hasSize(1);
    }
  }

  @Test
  void keepsTwoUsersWithTheSameKeyApart() {
    HttpResponse<byte[]> alice = pay(PAYMENT, "X-User", "alice");
    HttpResponse<byte[]> bob = pay(PAYMENT, "X-User", "bob");
    HttpResponse<byte[]> aliceAgain = pay(PAYMENT, "X-User", "alice");
    HttpResponse<byte[]> anonymous = pay(PAYMENT);

    assertThat(executions).hasValue(3);
    assertThat(bob.headers().firstValue("Idempotent-Replayed")).isEmpty();
    assertThat(bob.body()).isNotEqualTo(alice.body());
    assertThat(aliceAgain.body()).isEqualTo(alice.body());
    assertThat(anonymous.headers().firstValue("Idempotent-Replayed")).isEmpty();
  }

  @Test
  void usesAPrincipalFunctionWhenGiven() {
    server.use(filter().principal(request -> request.getHeader("X-Tenant")).build());

    pay(PAYMENT, "X-Tenant", "acme");
    pay(PAYMENT, "X-Tenant", "globex");
    pay(PAYMENT, "X-Tenant", "acme");

    assertThat(executions).hasValue(2);
  }

  @Test
  void neverStoresOrReplaysCookiesCredentialsOrHeadersOutsideTheAllowList() {
    server.use(filter().storedHeaders("X-Payment-Id").build());
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.setStatus(201);
      response.setContentType("application/json;charset=UTF-8");
      response.addHeader("Set-Cookie", "session=secret");
      response.addHeader("Authorization", "Bearer secret");
      response.addHeader("WWW-Authenticate", "Bearer");
      response.addHeader("Proxy-Authenticate", "Basic");
      response.addHeader("X-Internal", "debug");
      response.addHeader("X-Payment-Id", "pay_1");
      response.addHeader("Cache-Control", "private");
      response.addHeader("ETag", "\"v1\"");
      response.addHeader("Link", "</a>; rel=\"a\"");
      response.addHeader("Link", "</b>; rel=\"b\"");
      response.getWriter().write("{\"ok\":true}");
    });

    HttpResponse<byte[]> first = pay(PAYMENT);
    HttpResponse<byte[]> replay = pay(PAYMENT);

    assertThat(first.headers().firstValue("Set-Cookie")).hasValue("session=secret");
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(replay.headers().map().keySet()).map(String::toLowerCase)
        .doesNotContain("set-cookie", "authorization", "www-authenticate", "proxy-authenticate", "x-internal");
    assertThat(replay.headers().firstValue("X-Payment-Id")).hasValue("pay_1");
    assertThat(replay.headers().firstValue("Cache-Control")).hasValue("private");
    assertThat(replay.headers().firstValue("ETag")).hasValue("\"v1\"");
    assertThat(replay.headers().allValues("Link")).containsExactly("</a>; rel=\"a\"", "</b>; rel=\"b\"");
    assertThat(replay.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(text(replay)).doesNotContain("secret");
    IdempotencyRecord record = store.find(storeKey("", PAYMENTS, key)).orElseThrow();
    assertThat(record.response().headers()).extracting(StoredResponse.Header::value).doesNotContain(
        "session=secret", "Bearer secret", "debug");
  }

  @Test
  void replaysTheContentLanguageSetThroughSetLocale() {
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.setContentType("text/plain");
      response.setLocale(java.util.Locale.GERMANY);
      response.getWriter().write("Zahlung angenommen");
    });

    HttpResponse<byte[]> first = pay(PAYMENT);
    HttpResponse<byte[]> replay = pay(PAYMENT);

    assertThat(first.headers().firstValue("Content-Language")).hasValue("de-DE");
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(replay.headers().firstValue("Content-Language")).hasValue("de-DE");
    assertThat(replay.headers().firstValue("Content-Type")).isEqualTo(first.headers().firstValue("Content-Type"));
  }

  @Test
  void letsAFormWebhookReadItsParametersAndReplaysTheRedelivery() {
    List<String> seen = new ArrayList<>();
    server.handle((request, response) -> {
      executions.incrementAndGet();
      seen.add(request.getParameter("MessageSid") + "|" + String.join(",", request.getParameterValues("Body"))
          + "|" + request.getParameter("source") + "|" + request.getParameterMap().keySet());
      response.setContentType("application/json");
      response.getWriter().write("{\"received\":true}");
    });
    HttpRequest delivery = server.postRequest(TWILIO + "?source=sms", "application/x-www-form-urlencoded; charset=UTF-8",
        "MessageSid=SM123&Body=H%C3%A9llo+w%26rld&Body=second&Empty=", "I-Twilio-Idempotency-Token", key);

    HttpResponse<byte[]> first = server.send(delivery);
    HttpResponse<byte[]> redelivery = server.send(delivery);
    HttpResponse<byte[]> withoutToken = server.send(server.postRequest(TWILIO, "application/x-www-form-urlencoded",
        "MessageSid=SM123"));

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(text(first)).isEqualTo("{\"received\":true}");
    assertThat(seen).containsExactly("SM123|H\u00e9llo w&rld,second|sms|[source, MessageSid, Body, Empty]");
    assertThat(redelivery.statusCode()).isEqualTo(200);
    assertThat(redelivery.body()).isEqualTo(first.body());
    assertThat(redelivery.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(withoutToken.statusCode()).isEqualTo(400);
    assertThat(problem(withoutToken).get("detail").asString()).contains("I-Twilio-Idempotency-Token");
    assertThat(executions).hasValue(1);
  }

  @Test
  void leavesTheFormBodyOfAPatchUnparsedAsTheContainerDoes() {
    List<String> seen = new ArrayList<>();
    server.handle((request, response) -> {
      seen.add(request.getParameter("a") + "|" + request.getParameterMap().keySet() + "|"
          + new String(request.getInputStream().readAllBytes(), UTF_8));
      response.setStatus(204);
    });

    for (String path : List.of(PAYMENTS, "/outside-every-rule")) {
      server.send(server.request(path + "?q=1")
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("Idempotency-Key", key)
          .method("PATCH", HttpRequest.BodyPublishers.ofString("a=1"))
          .build());
    }

    assertThat(seen).containsExactly("null|[q]|a=1", "null|[q]|a=1");
    assertThat(listener.outcomes()).containsExactly(Outcome.EXECUTED);
  }

  @Test
  void showsTheHandlerTheParametersOfAChunkedFormLargerThanMaxRequestBodyUnderAShadowRule() {
    List<String> seen = new ArrayList<>();
    server.handle((request, response) -> {
      executions.incrementAndGet();
      seen.add(request.getParameter("From") + "|" + Arrays.toString(request.getParameterValues("Body")) + "|"
          + request.getParameter("source") + "|" + request.getParameterMap().keySet());
      response.setStatus(204);
    });
    byte[] form = "From=%2B15551234567&Body=hello+world%2C+this+is+long&Body=again".getBytes(UTF_8);

    postChunkedFormUnderAShadowRuleAndOutsideEveryRule(16, "?source=sms", form);

    assertThat(seen).containsExactly(
        "+15551234567|[hello world, this is long, again]|sms|[source, From, Body]",
        "+15551234567|[hello world, this is long, again]|sms|[source, From, Body]");
  }

  @ParameterizedTest
  @ValueSource(ints = {16, 3 << 20}) // below and above the size up to which a form is parsed
  void refusesToParseAChunkedFormTooLargeForTheContainerUnderAShadowRuleAsTheContainerDoes(int maxRequestBody) {
    List<String> seen = new ArrayList<>();
    List<Long> bodyUnderTheRule = new ArrayList<>();
    server.handle((request, response) -> {
      try {
        seen.add("parsed " + request.getParameterMap().keySet());
      } catch (IllegalStateException e) { // Tomcat's InvalidParameterException is one
        seen.add("refused");
      }
      if (request.getRequestURI().equals(PAYMENTS)) {
        // Refused again the same way, and the body is still whole for the handler to read.
        try {
          request.getParameter("a");
          seen.add("parsed on the second call");
        } catch (IllegalStateException e) {
          seen.add("refused again");
        }
        bodyUnderTheRule.add(request.getInputStream().transferTo(OutputStream.nullOutputStream()));
      }
      response.setStatus(204);
    });
    byte[] form = ("a=1&b=" + "x".repeat(Math.max(maxRequestBody, BufferedBodyRequest.MAX_OVERSIZED_FORM)))
        .getBytes(UTF_8);

    postChunkedFormUnderAShadowRuleAndOutsideEveryRule(maxRequestBody, "", form);

    assertThat(seen).containsExactly("refused", "refused again", "refused");
    assertThat(bodyUnderTheRule).containsExactly((long) form.length);
  }

  /**
   * POSTs {@code form} without a length, so that the filter reads past its limit before it knows the body is
   * too large: first under a shadow rule with {@code maxRequestBody}, then where no rule applies.
   */
  private void postChunkedFormUnderAShadowRuleAndOutsideEveryRule(int maxRequestBody, String query, byte[] form) {
    server.use(IdempotencyFilter.builder().store(store).maxRequestBody(maxRequestBody)
        .rule(IdempotencyRule.builder().path(PAYMENTS).shadow(true).build()).build());
    for (String path : List.of(PAYMENTS, "/outside-every-rule")) {
      server.send(server.request(path + query)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("Idempotency-Key", key)
          .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(form)))
          .build());
    }
  }

  @Test
  void letsTheHandlerReadTheBodyThroughTheReader() {
    AtomicReference<String> read = new AtomicReference<>();
    server.handle((request, response) -> {
      executions.incrementAndGet();
      read.set(request.getReader().readLine());
      response.setStatus(201);
    });

    server.send(server.postRequest(PAYMENTS, "application/json; charset=UTF-8", "{\"note\":\"\u00fcber\"}",
        "Idempotency-Key", key));

    assertThat(read.get()).isEqualTo("{\"note\":\"\u00fcber\"}");
  }

  @Test
  void letsANewRequestTakeOverAKeyWhoseHolderCrashedOnceTheLeaseHasPassed() {
    byte[] body = PAYMENT.getBytes(UTF_8);
    String fingerprint = RequestDigests.fingerprint("POST", PAYMENTS, null, List.of(), List.of(), body, body.length,
        null);
    String storeKey = storeKey("", PAYMENTS, key);
    // Another instance claimed the key and died: it never completes or releases.
    assertThat(store.claim(storeKey, fingerprint, "crashed-instance", IdempotencyFilter.DEFAULT_LEASE,
        IdempotencyFilter.DEFAULT_TTL)).isInstanceOf(ClaimResult.Claimed.class);

    HttpResponse<byte[]> duringLease = pay(PAYMENT);
    clock.advance(IdempotencyFilter.DEFAULT_LEASE);
    HttpResponse<byte[]> afterLease = pay(PAYMENT);

    assertThat(duringLease.statusCode()).isEqualTo(409);
    assertThat(afterLease.statusCode()).isEqualTo(201);
    assertThat(executions).hasValue(1);
    assertThat(store.complete(storeKey, "crashed-instance",
        new StoredResponse(500, List.of(), new byte[0]), Duration.ofHours(1))).isFalse();
    assertThat(pay(PAYMENT).body()).isEqualTo(afterLease.body());
  }

  @Test
  void fencesOutAHandlerThatOutlivedItsLeaseSoTheNewerResponseStands() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    server.handle((request, response) -> {
      if (started.getAndIncrement() == 0) {
        entered.countDown();
        await(release);
      }
      payment(request, response);
    });
    CompletableFuture<HttpResponse<byte[]>> slow = server.postAsync(PAYMENTS, PAYMENT, "Idempotency-Key", key);
    assertThat(entered.await(20, TimeUnit.SECONDS)).isTrue();
    clock.advance(IdempotencyFilter.DEFAULT_LEASE.plusSeconds(1));

    HttpResponse<byte[]> successor = pay(PAYMENT);
    release.countDown();
    HttpResponse<byte[]> stale = slow.get(20, TimeUnit.SECONDS);
    Waiting.awaitTrue(Duration.ofSeconds(10), "the stale handler's completion to be refused",
        () -> listener.leasesLost.get() == 1);

    assertThat(successor.statusCode()).isEqualTo(201);
    assertThat(stale.statusCode()).isEqualTo(201);
    assertThat(executions).hasValue(2);
    assertThat(pay(PAYMENT).body()).isEqualTo(successor.body());
  }

  @Test
  void runsFiftyConcurrentIdenticalRequestsThroughTwoFiltersSharingOneStoreExactlyOnce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server.handle((request, response) -> {
      await(release);
      payment(request, response);
    });
    try (TestServer second = TestServer.start()) {
      second.use(filter().build()); // another filter instance, as on another node, on the same store
      second.handle((request, response) -> {
        await(release);
        payment(request, response);
      });
      List<CompletableFuture<HttpResponse<byte[]>>> responses = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        TestServer target = i % 2 == 0 ? server : second;
        responses.add(target.postAsync(PAYMENTS, PAYMENT, "Idempotency-Key", key));
      }
      Waiting.awaitTrue(Duration.ofSeconds(30), "49 duplicates to be answered while one runs",
          () -> responses.stream().filter(CompletableFuture::isDone).count() >= 49);
      release.countDown();

      List<Integer> statuses = new ArrayList<>();
      for (CompletableFuture<HttpResponse<byte[]>> response : responses) {
        statuses.add(response.get(30, TimeUnit.SECONDS).statusCode());
      }
      awaitSettled();
      HttpResponse<byte[]> replayOnFirst = pay(PAYMENT);
      HttpResponse<byte[]> replayOnSecond = second.post(PAYMENTS, PAYMENT, "Idempotency-Key", key);

      assertThat(executions).hasValue(1);
      assertThat(statuses).filteredOn(status -> status == 201).hasSize(1);
      assertThat(statuses).filteredOn(status -> status == 409).hasSize(49);
      assertThat(statuses).noneMatch(status -> status >= 500);
      assertThat(replayOnFirst.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(replayOnSecond.body()).isEqualTo(replayOnFirst.body());
    }
  }

  @Test
  void storesTheResponseOfAnAsyncHandlerThatStartedWithTheFiltersWrappers() throws Exception {
    server.handle((request, response) -> {
      executions.incrementAndGet();
      AsyncContext async = request.startAsync(request, response);
      async.start(() -> {
        try {
          response.setStatus(202);
          response.setContentType("text/plain");
          response.getWriter().write("accepted " + UUID.randomUUID());
        } catch (IOException e) {
          throw new IllegalStateException(e);
        } finally {
          async.complete();
        }
      });
    });

    HttpResponse<byte[]> first = pay(PAYMENT);
    Waiting.awaitTrue(Duration.ofSeconds(10), "the async response to be stored",
        () -> store.find(storeKey("", PAYMENTS, key)).map(IdempotencyRecord::state)
            .orElse(null) == IdempotencyRecord.State.COMPLETED);
    HttpResponse<byte[]> replay = pay(PAYMENT);

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(replay.statusCode()).isEqualTo(202);
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(executions).hasValue(1);
  }

  @Test
  void keepsTheClaimOfAnAsyncHandlerWhoseResponseCannotBeCopiedUntilTheLeasePasses() {
    server.handle((request, response) -> {
      executions.incrementAndGet();
      AsyncContext async = request.startAsync();
      async.start(() -> {
        try {
          async.getResponse().getWriter().write("done");
        } catch (IOException e) {
          throw new IllegalStateException(e);
        } finally {
          async.complete();
        }
      });
    });

    try (CapturedLogs logs = CapturedLogs.of(IdempotencyFilter.class)) {
      HttpResponse<byte[]> first = pay(PAYMENT);
      HttpResponse<byte[]> duplicate = pay(PAYMENT);
      clock.advance(IdempotencyFilter.DEFAULT_LEASE);
      HttpResponse<byte[]> afterLease = pay(PAYMENT);

      assertThat(text(first)).isEqualTo("done");
      assertThat(duplicate.statusCode()).isEqualTo(409);
      assertThat(text(afterLease)).isEqualTo("done");
      assertThat(executions).hasValue(2);
      assertThat(logs.at(Level.WARN)).anySatisfy(event ->
          assertThat(event.getFormattedMessage()).contains("startAsync()"));
    }
  }

  @Test
  void runsEveryRequestUnderAShadowRuleAndReportsWhatEnforcementWouldHaveDone() {
    server.use(IdempotencyFilter.builder().store(store).listener(listener)
        .rule(IdempotencyRule.builder().path(PAYMENTS).shadow(true).build()).build());

    HttpResponse<byte[]> first = pay(PAYMENT);
    HttpResponse<byte[]> duplicate = pay(PAYMENT);
    HttpResponse<byte[]> different = pay("{\"amount\":5}");
    HttpResponse<byte[]> keyless = server.post(PAYMENTS, PAYMENT);
    HttpResponse<byte[]> invalid = server.post(PAYMENTS, PAYMENT, "Idempotency-Key", "not valid");

    assertThat(List.of(first, duplicate, different, keyless, invalid))
        .allSatisfy(response -> {
          assertThat(response.statusCode()).isEqualTo(201);
          assertThat(response.headers().firstValue("Idempotent-Replayed")).isEmpty();
        });
    assertThat(duplicate.body()).isNotEqualTo(first.body());
    assertThat(executions).hasValue(5);
    assertThat(listener.outcomes()).isEmpty();
    assertThat(listener.shadowOutcomes()).containsExactly(Outcome.EXECUTED, Outcome.REPLAYED, Outcome.MISMATCH,
        Outcome.REJECTED, Outcome.REJECTED);
  }

  @Test
  void runsTheRequestUnderAShadowRuleWhenTheStoreFails() {
    server.use(IdempotencyFilter.builder().store(new FailingStore(false)).listener(listener)
        .rule(IdempotencyRule.builder().path(PAYMENTS).shadow(true).build()).build());

    assertThat(pay(PAYMENT).statusCode()).isEqualTo(201);

    assertThat(executions).hasValue(1);
    assertThat(listener.shadowOutcomes()).containsExactly(Outcome.REJECTED);
  }

  @Test
  void passesRequestsWithoutAKeyUnderARuleThatDoesNotRequireOne() {
    server.use(IdempotencyFilter.builder().store(store).listener(listener)
        .rule(IdempotencyRule.builder().path(PAYMENTS).required(false).build()).build());

    server.post(PAYMENTS, PAYMENT);
    server.post(PAYMENTS, PAYMENT);
    pay(PAYMENT);
    pay(PAYMENT);

    assertThat(executions).hasValue(3);
    assertThat(listener.outcomes()).containsExactly(Outcome.EXECUTED, Outcome.REPLAYED);
  }

  @Test
  void passesMethodsAndPathsOutsideEveryRule() {
    HttpResponse<byte[]> get = server.send(server.request(PAYMENTS).header("Idempotency-Key", key).GET().build());
    HttpResponse<byte[]> elsewhere = server.post("/api/refunds", PAYMENT);

    assertThat(get.statusCode()).isEqualTo(201);
    assertThat(elsewhere.statusCode()).isEqualTo(201);
    assertThat(executions).hasValue(2);
    assertThat(listener.outcomes()).isEmpty();
  }

  @Test
  void includesTheChosenHeadersInTheFingerprint() {
    server.use(IdempotencyFilter.builder().store(store)
        .rule(IdempotencyRule.builder().path(PAYMENTS).fingerprintHeaders("X-Account").build()).build());

    pay(PAYMENT, "X-Account", "a");
    HttpResponse<byte[]> other = pay(PAYMENT, "X-Account", "b");
    HttpResponse<byte[]> absent = pay(PAYMENT);
    HttpResponse<byte[]> same = pay(PAYMENT, "X-Account", "a");

    assertThat(other.statusCode()).isEqualTo(422);
    assertThat(absent.statusCode()).isEqualTo(422);
    assertThat(same.headers().firstValue("Idempotent-Replayed")).hasValue("true");
  }

  @Test
  void releasesAResponseSentWithSendErrorBecauseItsBodyIsWrittenByTheContainer() {
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.sendError(404);
    });

    assertThat(pay(PAYMENT).statusCode()).isEqualTo(404);
    awaitSettled();
    assertThat(pay(PAYMENT).statusCode()).isEqualTo(404);

    assertThat(executions).hasValue(2);
  }

  /**
   * The container discards what was buffered before {@code sendRedirect} (unless told to keep it) and ignores
   * what is written after it: the replay has the body the client got, not the handler's writes.
   */
  @ParameterizedTest
  @ValueSource(strings = {"location", "location, 303", "location, false", "location, 307, false"})
  void replaysARedirectWithTheBodyTheClientGot(String arguments) {
    server.handle((request, response) -> {
      executions.incrementAndGet();
      response.setContentType("text/plain;charset=UTF-8");
      response.getWriter().write("draft \u00fcber"); // still in the writer's buffers when the redirect comes
      switch (arguments) {
        case "location" -> response.sendRedirect("/done");
        case "location, 303" -> response.sendRedirect("/done", 303);
        case "location, false" -> response.sendRedirect("/done", false);
        default -> response.sendRedirect("/done", 307, false);
      }
      response.getWriter().write("written after the redirect, never sent");
      response.getWriter().flush();
    });

    HttpResponse<byte[]> first = pay(PAYMENT);
    HttpResponse<byte[]> replay = pay(PAYMENT);

    boolean kept = arguments.endsWith("false");
    assertThat(text(first)).isEqualTo(kept ? "draft \u00fcber" : "");
    assertThat(replay.statusCode()).isEqualTo(first.statusCode());
    assertThat(replay.headers().firstValue("Location")).isEqualTo(first.headers().firstValue("Location"));
    assertThat(replay.body()).isEqualTo(first.body());
    assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    assertThat(executions).hasValue(1);
  }

  @Test
  void feedsTheMetricsWithOutcomesAndStoreLatency() {
    IdempotencyMetrics metrics = new IdempotencyMetrics();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    AtomicLong nanos = new AtomicLong();
    server.use(filter().listener(metrics).ticker(() -> nanos.addAndGet(2_000_000)).build()); // 2 ms per call

    pay(PAYMENT);
    pay(PAYMENT);
    pay("{\"amount\":7}");
    server.post(PAYMENTS, PAYMENT);

    for (String outcome : List.of("executed", "replayed", "mismatch", "rejected")) {
      assertThat(registry.get("otto.idempotency.requests").tag("outcome", outcome).counter().count())
          .as(outcome).isEqualTo(1);
    }
    assertThat(registry.get("otto.idempotency.requests").tag("outcome", "in_flight").counter().count()).isZero();
    Timer claims = registry.get("otto.idempotency.store.latency").tags("operation", "claim", "outcome", "success")
        .timer();
    assertThat(claims.count()).isEqualTo(3);
    assertThat(claims.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(6);
    assertThat(registry.get("otto.idempotency.store.latency").tags("operation", "complete", "outcome", "success")
        .timer().count()).isEqualTo(1);
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] all = new byte[length];
    int position = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, all, position, part.length);
      position += part.length;
    }
    return all;
  }

  /** A store that cannot answer: unreachable on every call, or only after a successful claim. */
  @Test
  void theClientReceivesTheWholeResponseOnlyAfterItIsStored() throws Exception {
    CountDownLatch completing = new CountDownLatch(1);
    CountDownLatch proceed = new CountDownLatch(1);
    server.use(IdempotencyFilter.builder().store(new SlowToComplete(store, completing, proceed))
        .rule(IdempotencyRule.builder().path(PAYMENTS).build()).build());
    byte[] body = "{\"ok\":true}".getBytes(UTF_8);
    server.handle((request, response) -> {
      response.setStatus(201);
      response.setContentType("application/json");
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
      response.getOutputStream().close();
    });

    CompletableFuture<HttpResponse<byte[]>> response = server.postAsync(PAYMENTS, PAYMENT, "Idempotency-Key", key);
    await(completing);

    // Before the fix the declared length let the container finish the response while the record was still
    // being stored, so a quick retry found the key claimed and got 409.
    assertThatThrownBy(() -> response.get(500, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
    proceed.countDown();
    assertThat(response.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
    assertThat(response.get().body()).isEqualTo(body);
    assertThat(response.get().headers().firstValueAsLong("Content-Length")).hasValue(body.length);
    HttpResponse<byte[]> retry = pay(PAYMENT);
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
  }

  /** The memory store, except that complete() waits for the test to let it proceed. */
  private record SlowToComplete(IdempotencyStore delegate, CountDownLatch completing, CountDownLatch proceed)
      implements IdempotencyStore {

    @Override
    public ClaimResult claim(String key, String fingerprint, String owner, Duration lease, Duration ttl) {
      return delegate.claim(key, fingerprint, owner, lease, ttl);
    }

    @Override
    public boolean complete(String key, String owner, StoredResponse response, Duration ttl) {
      completing.countDown();
      try {
        proceed.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return delegate.complete(key, owner, response, ttl);
    }

    @Override
    public boolean release(String key, String owner) {
      return delegate.release(key, owner);
    }

    @Override
    public Optional<IdempotencyRecord> find(String key) {
      return delegate.find(key);
    }
  }

  private static final class FailingStore implements IdempotencyStore {

    private final boolean claimWorks;

    FailingStore(boolean claimWorks) {
      this.claimWorks = claimWorks;
    }

    private static IdempotencyStoreException unreachable() {
      return new IdempotencyStoreException("test store: connection refused", null);
    }

    @Override
    public ClaimResult claim(String key, String fingerprint, String owner, Duration lease, Duration ttl) {
      if (claimWorks) {
        return new ClaimResult.Claimed();
      }
      throw unreachable();
    }

    @Override
    public boolean complete(String key, String owner, StoredResponse response, Duration ttl) {
      throw unreachable();
    }

    @Override
    public boolean release(String key, String owner) {
      throw unreachable();
    }

    @Override
    public Optional<IdempotencyRecord> find(String key) {
      throw unreachable();
    }
  }
}
