package dev.otto.health.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.health.CheckResult;
import dev.otto.health.FakeClock;
import dev.otto.health.HealthCheck;
import dev.otto.health.HealthCheckException;
import dev.otto.health.Readiness;
import dev.otto.health.ReadinessAggregator;
import dev.otto.testsupport.Waiting;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerHeartbeatsTest {

  private final FakeClock clock = new FakeClock();
  private final WorkerHeartbeats heartbeats = WorkerHeartbeats.builder()
      .clock(clock)
      .staleAfter(Duration.ofSeconds(30))
      .build();

  private Map<String, Object> check() throws Exception {
    HealthCheck check = heartbeats.healthCheck("workers", true);
    return new LinkedHashMap<>(check.action().run(Duration.ofSeconds(1)));
  }

  @Test
  void isDownBeforeAnyWorkerBeat() {
    assertThatThrownBy(this::check)
        .isInstanceOf(HealthCheckException.class)
        .hasMessage("no worker heartbeat within 30 s");
  }

  @Test
  void isUpWhileAWorkerBeatWithinStaleAfterAndDownOnceItIsStale() throws Exception {
    heartbeats.beat("mailer-1");
    clock.advance(Duration.ofSeconds(29));
    assertThat(check()).containsEntry("fresh", 1).containsEntry("stale", List.of());

    clock.advance(Duration.ofSeconds(1));
    assertThatThrownBy(this::check).hasMessage("no worker heartbeat within 30 s");

    heartbeats.beat("mailer-1");
    assertThat(check()).containsEntry("fresh", 1);
  }

  @Test
  void staysUpWhileOneWorkerBeatsAndNamesTheStaleOnes() throws Exception {
    heartbeats.beat("retired");
    clock.advance(Duration.ofSeconds(10));
    heartbeats.beat("older");
    clock.advance(Duration.ofSeconds(25));
    heartbeats.beat("alive");
    clock.advance(Duration.ofSeconds(10));

    assertThat(check())
        .containsEntry("workers", 3)
        .containsEntry("fresh", 1)
        .containsEntry("stale", List.of("retired", "older"));
  }

  @Test
  void removingAWorkerForgetsIt() {
    heartbeats.beat("a");

    assertThat(heartbeats.remove("a")).isTrue();
    assertThat(heartbeats.remove("a")).isFalse();
    assertThat(heartbeats.lastBeat("a")).isEmpty();
  }

  @Test
  void recordsTheTimeOfTheLastBeat() {
    heartbeats.beat("a");
    clock.advance(Duration.ofSeconds(5));
    heartbeats.beat("a");

    assertThat(heartbeats.lastBeat("a")).contains(clock.instant());
    assertThat(heartbeats.size()).isEqualTo(1);
  }

  @Test
  void remembersAtMostMaxWorkersDroppingTheOldestBeat() {
    WorkerHeartbeats bounded = WorkerHeartbeats.builder().clock(clock).maxWorkers(3).build();
    for (String id : List.of("w1", "w2", "w3")) {
      bounded.beat(id);
      clock.advance(Duration.ofSeconds(1));
    }
    bounded.beat("w1"); // now the freshest

    bounded.beat("w4");

    assertThat(bounded.size()).isEqualTo(3);
    assertThat(bounded.lastBeat("w2")).isEmpty();
    assertThat(bounded.lastBeat("w1")).isPresent();
    assertThat(bounded.lastBeat("w4")).isPresent();
  }

  @Test
  void rejectsWorkerIdsThatAreNotShortPlainTokensWithoutRepeatingThem() {
    assertThat(WorkerHeartbeats.isValidWorkerId("worker-1.eu:a_b")).isTrue();
    assertThat(WorkerHeartbeats.isValidWorkerId("x".repeat(128))).isTrue();
    for (String bad : List.of("", "x".repeat(129), "a b", "<script>", "é", "a/b")) {
      assertThat(WorkerHeartbeats.isValidWorkerId(bad)).as(bad).isFalse();
      assertThatThrownBy(() -> heartbeats.beat(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("workerId must be 1 to 128 characters")
          .satisfies(e -> assertThat(bad.isEmpty() || !e.getMessage().contains(bad)).isTrue());
    }
    assertThat(heartbeats.size()).isZero();
  }

  @Test
  void rejectsBadSettingsNamingTheValue() {
    assertThatThrownBy(() -> WorkerHeartbeats.builder().staleAfter(Duration.ZERO))
        .hasMessage("staleAfter must be positive: PT0S");
    assertThatThrownBy(() -> WorkerHeartbeats.builder().maxWorkers(0))
        .hasMessage("maxWorkers must be between 1 and 100000: 0");
  }

  @Test
  void feedsACriticalReadinessComponent() {
    try (ReadinessAggregator aggregator = ReadinessAggregator.builder()
        .clock(clock)
        .check(heartbeats.healthCheck("workers", true))
        .build()) {
      aggregator.markStarted();
      assertThat(aggregator.readiness().ready()).isFalse();

      heartbeats.beat("in-process");
      clock.advance(Duration.ofSeconds(1)); // past the cache TTL: the next probe refreshes in the background
      Waiting.awaitTrue(Duration.ofSeconds(10), "the refreshed result", () -> aggregator.readiness().ready());
      Readiness readiness = aggregator.readiness();

      assertThat(readiness.ready()).isTrue();
      assertThat(readiness.components().get("workers").status()).isEqualTo(CheckResult.Status.UP);
    }
  }
}
