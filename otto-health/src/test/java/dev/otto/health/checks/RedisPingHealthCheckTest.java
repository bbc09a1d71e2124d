package dev.otto.health.checks;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.health.CheckResult;
import dev.otto.health.CheckResult.Status;
import dev.otto.health.HealthCheck;
import dev.otto.health.ReadinessAggregator;
import dev.otto.testsupport.RedisServerProcess;
import dev.otto.testsupport.TestServices;
import dev.otto.testsupport.Waiting;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisPingHealthCheckTest {

  private static RedisClient client;

  @BeforeAll
  static void createClient() {
    client = RedisClient.create();
  }

  @AfterAll
  static void shutDownClient() {
    client.shutdown(0, 2, TimeUnit.SECONDS);
  }

  private static CheckResult probeOnce(HealthCheck check, Duration timeout) {
    try (ReadinessAggregator aggregator = ReadinessAggregator.builder()
        .defaultTimeout(timeout)
        .check(check)
        .build()) {
      aggregator.markStarted();
      return aggregator.readiness().components().get(check.name());
    }
  }

  @Test
  void isUpWhenARealRedisAnswersPing() {
    try (StatefulRedisConnection<String, String> connection = client.connect(
        io.lettuce.core.RedisURI.create(TestServices.redis().uri()))) {
      CheckResult result = probeOnce(RedisPingHealthCheck.of("redis", connection, false), Duration.ofSeconds(2));

      assertThat(result.status()).isEqualTo(Status.UP);
      assertThat(result.critical()).isFalse();
      assertThat(connection.isOpen()).isTrue(); // the check never closes what it was given
    }
  }

  @Test
  void isDownWithinTheTimeoutWhenRedisHangs() {
    try (RedisServerProcess server = RedisServerProcess.start();
        StatefulRedisConnection<String, String> connection =
            client.connect(io.lettuce.core.RedisURI.create(server.uri()))) {
      server.pause();
      try {
        CheckResult[] result = new CheckResult[1];
        Duration took = Waiting.timed(() -> result[0] =
            probeOnce(RedisPingHealthCheck.of("redis", connection, false), Duration.ofMillis(300)));

        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(result[0].status()).isEqualTo(Status.DOWN);
        // The aggregator's deadline and the check's own wait end together; either says so.
        assertThat(result[0].error()).isIn("timed out after 300 ms", "no PING answer within 300 ms");
      } finally {
        server.resume();
      }
    }
  }

  @Test
  void isDownWhenTheProbeFailsOrThrows() {
    CheckResult failed = probeOnce(RedisPingHealthCheck.of("redis",
        () -> CompletableFuture.failedFuture(new IllegalStateException("NOAUTH secret")), false),
        Duration.ofSeconds(1));
    CheckResult threw = probeOnce(RedisPingHealthCheck.of("redis", () -> {
      throw new IllegalStateException("connection closed");
    }, false), Duration.ofSeconds(1));

    assertThat(failed.error()).isEqualTo("PING failed");
    assertThat(threw.error()).isEqualTo("PING failed");
  }

  @Test
  void acceptsAnyAsynchronousProbe() {
    CheckResult result = probeOnce(RedisPingHealthCheck.of("redis",
        () -> CompletableFuture.completedFuture("PONG"), true), Duration.ofSeconds(1));

    assertThat(result.status()).isEqualTo(Status.UP);
  }
}
