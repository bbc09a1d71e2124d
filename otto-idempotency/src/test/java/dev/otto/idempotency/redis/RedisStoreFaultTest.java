package dev.otto.idempotency.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.idempotency.servlet.IdempotencyFilter;
import dev.otto.idempotency.servlet.IdempotencyRule;
import dev.otto.testsupport.EmbeddedTomcat;
import dev.otto.testsupport.RedisServerProcess;
import dev.otto.testsupport.Waiting;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The filter on a Redis store that dies or hangs: requests get a 503 problem and the handler never runs,
 * and once Redis is back the same store serves again. Runs on a private redis-server it may kill.
 */
class RedisStoreFaultTest {

  private final AtomicInteger executions = new AtomicInteger();
  private RedisServerProcess redis;
  private RedisIdempotencyStore store;
  private EmbeddedTomcat server;

  @BeforeEach
  void start() {
    redis = RedisServerProcess.start();
    store = RedisIdempotencyStore.builder().uri(redis.uri()).commandTimeout(Duration.ofMillis(200)).build();
    IdempotencyFilter filter = IdempotencyFilter.builder()
        .store(store)
        .rule(IdempotencyRule.builder().path("/api/payments").build())
        .build();
    server = EmbeddedTomcat.builder()
        .filter("idempotency", filter)
        .servlet("/api/payments", (request, response) -> {
          executions.incrementAndGet();
          response.setStatus(201);
          response.setContentType("application/json");
          response.getWriter().write("{\"id\":" + executions.get() + "}");
        })
        .start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    store.close();
    redis.close();
  }

  @Test
  void answers503WithoutRunningTheHandlerWhileRedisIsDeadAndServesAgainOnceItIsBack() {
    String first = UUID.randomUUID().toString();
    Waiting.awaitTrue(Duration.ofSeconds(5), "the first payment", () -> pay(first).statusCode() == 201);
    assertThat(executions).hasValue(1);

    redis.kill();

    HttpResponse<String> retry = pay(first);
    HttpResponse<String> fresh = pay(UUID.randomUUID().toString());
    assertThat(retry.statusCode()).isEqualTo(503);
    assertThat(fresh.statusCode()).isEqualTo(503);
    assertThat(fresh.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(fresh.body()).contains("idempotency-store-unavailable").doesNotContain("Redis");
    assertThat(executions).hasValue(1);

    redis.restart();
    Waiting.awaitTrue(Duration.ofSeconds(10), "a payment once Redis is back",
        () -> pay(UUID.randomUUID().toString()).statusCode() == 201);
    assertThat(executions).hasValue(2);
  }

  @Test
  void answers503WithoutRunningTheHandlerWhileRedisHangs() {
    Waiting.awaitTrue(Duration.ofSeconds(5), "the first payment",
        () -> pay(UUID.randomUUID().toString()).statusCode() == 201);

    redis.pause();
    try {
      assertThat(pay(UUID.randomUUID().toString()).statusCode()).isEqualTo(503);
      assertThat(executions).hasValue(1);
    } finally {
      redis.resume();
    }
  }

  private HttpResponse<String> pay(String key) {
    return server.send(server.request("/api/payments")
        .header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":100}"))
        .build());
  }
}
