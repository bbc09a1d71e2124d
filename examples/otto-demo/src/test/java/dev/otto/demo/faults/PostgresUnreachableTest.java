package dev.otto.demo.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.demo.OttoDemoApplication;
import dev.otto.demo.faults.TcpProxy.Fault;
import dev.otto.testsupport.PostgresEndpoint;
import dev.otto.testsupport.TestServices;
import dev.otto.testsupport.Waiting;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo with the JDBC idempotency store, reaching the real PostgreSQL through a {@link TcpProxy} the
 * test cuts and restores (issue 8, "PostgreSQL unreachable"; CONTRACT.md, Faults). While the database is
 * unreachable, payments and webhooks answer {@code 503} problems without running their handler, no request
 * hangs, and {@code /ready} reports the critical {@code database} down; once it is reachable again the same
 * application serves normally, without a restart.
 *
 * <p>Two faults: a database that refuses (live connections closed, new ones reset) and one that falls silent
 * (live connections swallow every byte, new ones are accepted and never answered), the case that only
 * client-side timeouts can end. The latency bound is deliberately generous (the machine is shared and
 * noisy): it proves "no hang", not a latency target.
 */
class PostgresUnreachableTest {

  /** Far above the store's budget (Hikari's 2 s connection timeout, 1 s statement + 1 s network margin). */
  private static final Duration SLOWEST_ACCEPTABLE = Duration.ofSeconds(10);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final int PAYMENTS_WHILE_CUT = 4;
  private static final String PAYMENT = "{\"amount\": 12, \"currency\": \"EUR\"}";
  private static final JsonMapper json = JsonMapper.builder().build();

  private static PostgresEndpoint postgres;
  private static TcpProxy proxy;
  private static String table;
  private static ConfigurableApplicationContext app;
  private static int port;

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void startTheDemoBehindTheProxy() {
    postgres = TestServices.postgres();
    URI real = URI.create(postgres.jdbcUrl().substring("jdbc:".length()));
    proxy = TcpProxy.to(real.getHost(), real.getPort() == -1 ? 5432 : real.getPort());
    String proxied = "jdbc:postgresql://127.0.0.1:" + proxy.port() + real.getRawPath()
        + (real.getRawQuery() == null ? "" : "?" + real.getRawQuery());
    table = "otto_idem_fault_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    app = new SpringApplicationBuilder(OttoDemoApplication.class)
        .properties(Map.of(
            "otto.idempotency.store", "jdbc",
            "otto.idempotency.jdbc.table-name", table,
            "otto.idempotency.jdbc.create-table", "true",
            "otto.idempotency.jdbc.statement-timeout", "1s",
            "spring.datasource.url", proxied,
            "spring.datasource.username", postgres.username(),
            "spring.datasource.password", postgres.password()))
        .properties(Map.of("server.port", "0", "spring.main.banner-mode", "off"))
        .run();
    port = ((WebServerApplicationContext) app).getWebServer().getPort();
  }

  @AfterAll
  static void stopAndDropTheTable() throws Exception {
    try {
      if (app != null) {
        app.close();
      }
    } finally {
      if (proxy != null) {
        proxy.close();
      }
      if (table != null) {
        try (Connection connection =
                DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
            Statement statement = connection.createStatement()) {
          statement.execute("DROP TABLE IF EXISTS " + table);
        }
      }
    }
  }

  @Test
  void aDatabaseThatRefusesConnectionsGives503WithoutRunningTheHandlerAndServiceReturnsWithoutRestart()
      throws Exception {
    survives(Fault.REFUSE);
  }

  @Test
  void aDatabaseThatFallsSilentGives503WithoutRunningTheHandlerAndServiceReturnsWithoutRestart()
      throws Exception {
    survives(Fault.SILENCE);
  }

  private void survives(Fault fault) throws Exception {
    await("payments are created through the proxy", () -> pay(key()).status() == 201);
    await("/ready shows the database up", () -> databaseIs("UP", 200));
    long executions = count("/api/payments/count", "executions");
    long processed = count("/webhooks/twilio/count", "processed");

    proxy.cut(fault);
    try {
      await("/ready shows the critical database down with 503", () -> databaseIs("DOWN", 503));

      List<CompletableFuture<Timed>> pending = new ArrayList<>();
      for (int i = 0; i < PAYMENTS_WHILE_CUT; i++) {
        pending.add(timed(payment(key())));
      }
      pending.add(timed(webhook("RE" + UUID.randomUUID().toString().replace("-", ""))));
      List<Timed> answers = new ArrayList<>();
      for (CompletableFuture<Timed> answer : pending) {
        answers.add(answer.get());
      }
      System.out.println("PostgresUnreachableTest[" + fault + "]: answers while cut " + answers.stream()
          .map(answer -> answer.status() + " in " + answer.elapsed().toMillis() + " ms").toList());

      assertThat(answers).allSatisfy(answer -> {
        assertThat(answer.status()).as("status of %s", answer).isEqualTo(503);
        assertThat(answer.contentType()).as("content type of %s", answer).startsWith("application/problem+json");
        JsonNode problem = json.readTree(answer.body());
        assertThat(problem.get("status").asInt()).isEqualTo(503);
        assertThat(answer.body()).as("a problem without internals")
            .doesNotContainIgnoringCase("exception")
            .doesNotContainIgnoringCase("postgres")
            .doesNotContainIgnoringCase("hikari")
            .doesNotContainIgnoringCase("jdbc")
            .doesNotContainIgnoringCase("127.0.0.1");
        assertThat(answer.elapsed()).as("latency of %s", answer).isLessThan(SLOWEST_ACCEPTABLE);
      });
      assertThat(count("/api/payments/count", "executions"))
          .as("payment handler runs while the database is unreachable").isEqualTo(executions);
      assertThat(count("/webhooks/twilio/count", "processed"))
          .as("webhook handler runs while the database is unreachable").isEqualTo(processed);
      // Still unreachable after the requests: /ready has not recovered by accident.
      assertThat(databaseIs("DOWN", 503)).as("/ready while still cut").isTrue();
    } finally {
      proxy.restore();
    }

    // Every attempt until the first 201 is a 503 that must not have run the handler either.
    long restored = System.nanoTime();
    List<Timed> attempts = new ArrayList<>();
    await("a new payment is created again, without restarting the application", () -> {
      Timed attempt = pay(key());
      attempts.add(attempt);
      assertThat(attempt.status()).as("status of %s", attempt).isIn(201, 503);
      assertThat(attempt.elapsed()).as("latency of %s", attempt).isLessThan(SLOWEST_ACCEPTABLE);
      return attempt.status() == 201;
    });
    System.out.println("PostgresUnreachableTest[" + fault + "]: first 201 "
        + Duration.ofNanos(System.nanoTime() - restored).toMillis() + " ms after restore, attempt "
        + attempts.size());
    assertThat(count("/api/payments/count", "executions")).isEqualTo(executions + 1);
    await("/ready shows the database up again", () -> databaseIs("UP", 200));
  }

  /** One answer with the time it took. */
  record Timed(int status, String contentType, String body, Duration elapsed) {}

  private Timed pay(String key) throws Exception {
    return timed(payment(key)).get();
  }

  private HttpRequest payment(String key) {
    return HttpRequest.newBuilder(uri("/api/payments"))
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key)
        .timeout(PATIENCE)
        .POST(BodyPublishers.ofString(PAYMENT))
        .build();
  }

  private HttpRequest webhook(String token) {
    return HttpRequest.newBuilder(uri("/webhooks/twilio"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("I-Twilio-Idempotency-Token", token)
        .timeout(PATIENCE)
        .POST(BodyPublishers.ofString("MessageSid=SM1&Body=hello"))
        .build();
  }

  private CompletableFuture<Timed> timed(HttpRequest request) {
    long start = System.nanoTime();
    return client.sendAsync(request, BodyHandlers.ofString())
        .thenApply(response -> new Timed(
            response.statusCode(),
            response.headers().firstValue("Content-Type").orElse(""),
            response.body(),
            Duration.ofNanos(System.nanoTime() - start)));
  }

  /** Whether {@code /ready} answers {@code status} with the critical component database {@code state}. */
  private boolean databaseIs(String state, int status) throws Exception {
    long start = System.nanoTime();
    HttpResponse<String> ready = client.send(
        HttpRequest.newBuilder(uri("/ready")).timeout(PATIENCE).build(), BodyHandlers.ofString());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("/ready latency").isLessThan(SLOWEST_ACCEPTABLE);
    JsonNode database = json.readTree(ready.body()).path("components").path("database");
    return ready.statusCode() == status
        && state.equals(database.path("status").asString())
        && database.path("critical").asBoolean(false);
  }

  private long count(String path, String field) throws Exception {
    HttpResponse<String> response = client.send(
        HttpRequest.newBuilder(uri(path)).timeout(PATIENCE).build(), BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return json.readTree(response.body()).get(field).asLong();
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private static String key() {
    return "fault-" + UUID.randomUUID();
  }

  @FunctionalInterface
  private interface Probe {
    boolean holds() throws Exception;
  }

  private static void await(String what, Probe probe) {
    Waiting.awaitTrue(PATIENCE, what, () -> {
      try {
        return probe.holds();
      } catch (Exception e) {
        throw new AssertionError("failed while waiting until " + what, e);
      }
    });
  }
}
