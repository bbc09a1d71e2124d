package dev.otto.health.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.otto.health.FakeClock;
import dev.otto.health.HealthCheck;
import dev.otto.health.ReadinessAggregator;
import dev.otto.health.checks.WorkerHeartbeats;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The endpoints' run-time switch in a real Tomcat, where {@code /app/*} and a default servlet follow. */
class HealthEndpointsFilterSwitchTest {

  private static final String HEARTBEAT = "/internal/worker/heartbeat";

  private static TomcatServer server;

  private final FakeClock clock = new FakeClock();
  private final WorkerHeartbeats heartbeats = WorkerHeartbeats.builder().clock(clock).build();
  private final AtomicBoolean enabled = new AtomicBoolean(true);
  private final AtomicInteger checksRun = new AtomicInteger();
  private final ReadinessAggregator aggregator = ReadinessAggregator.builder()
      .defaultTimeout(Duration.ofSeconds(5))
      .check(HealthCheck.of("database", true, timeout -> {
        checksRun.incrementAndGet();
        return Map.of();
      }))
      .build();

  @BeforeAll
  static void startServer() {
    server = TomcatServer.start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @BeforeEach
  void useSwitchedFilter() {
    aggregator.markStarted();
    server.use(HealthEndpointsFilter.builder()
        .aggregator(aggregator)
        .service("otto-demo")
        .heartbeats(heartbeats)
        .enabled(enabled::get)
        .build());
  }

  @AfterEach
  void closeAggregator() {
    aggregator.close();
  }

  @Test
  void answersTheEndpointsWhileTheSwitchIsOn() {
    assertThat(server.get("/health").body()).isEqualTo("{\"status\":\"UP\"}");
    assertThat(server.get("/ready").statusCode()).isEqualTo(200);
    assertThat(server.post(HEARTBEAT, "{\"worker\":\"w1\"}").statusCode()).isEqualTo(204);
  }

  @Test
  void letsHealthFallThroughToTheNextServletWhileTheSwitchIsOff() {
    enabled.set(false);

    HttpResponse<String> health = server.get("/health");
    HttpResponse<String> ready = server.get("/ready");

    assertThat(health.statusCode()).as("the default servlet answers").isEqualTo(404);
    assertThat(health.body()).doesNotContain("UP");
    assertThat(ready.statusCode()).isEqualTo(404);
    assertThat(checksRun).as("no check runs for a request the filter does not answer").hasValue(0);
  }

  @Test
  void recordsNoHeartbeatWhileTheSwitchIsOff() {
    enabled.set(false);

    HttpResponse<String> response = server.post(HEARTBEAT, "{\"worker\":\"w1\"}");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(heartbeats.lastBeat("w1")).isEmpty();
  }

  @Test
  void leavesOtherPathsAloneEitherWay() {
    assertThat(server.get("/app/orders").body()).isEqualTo("app");
    enabled.set(false);
    assertThat(server.get("/app/orders").body()).isEqualTo("app");
  }

  @Test
  void switchingOffAndOnTakesEffectOnTheNextRequest() {
    assertThat(server.get("/health").statusCode()).isEqualTo(200);

    enabled.set(false);
    assertThat(server.get("/health").statusCode()).isEqualTo(404);

    enabled.set(true);
    HttpResponse<String> health = server.get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");
  }

  @Test
  void readsTheSwitchOncePerRequest() {
    AtomicInteger reads = new AtomicInteger();
    server.use(HealthEndpointsFilter.builder()
        .aggregator(aggregator)
        .service("otto-demo")
        .enabled(() -> reads.incrementAndGet() > 0)
        .build());

    server.get("/ready");

    assertThat(reads).hasValue(1);
  }

  @Test
  void rejectsANullSwitchByName() {
    assertThatNullPointerException().isThrownBy(() -> HealthEndpointsFilter.builder().enabled(null))
        .withMessageContaining("enabled");
  }
}
