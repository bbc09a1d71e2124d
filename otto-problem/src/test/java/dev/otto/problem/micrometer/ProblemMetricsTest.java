package dev.otto.problem.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.problem.Problem;
import dev.otto.problem.testing.FakeHttp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;

class ProblemMetricsTest {

  private final HttpServletRequest request = FakeHttp.request().build();

  @Test
  void countsProblemsByStatusWithADescription() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ProblemMetrics metrics = new ProblemMetrics();
    metrics.bindTo(registry);

    metrics.onProblem(Problem.of(404), request);
    metrics.onProblem(Problem.of(404), request);
    metrics.onProblem(Problem.builder(500).detail("x").build(), request);

    Counter notFound = registry.get("otto.problem.responses").tag("status", "404").counter();
    assertThat(notFound.count()).isEqualTo(2.0);
    assertThat(notFound.getId().getDescription()).isNotBlank();
    assertThat(notFound.getId().getTags()).hasSize(1);
    assertThat(registry.get("otto.problem.responses").tag("status", "500").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void canBeUsedAsAListenerBeforeItIsBound() {
    ProblemMetrics metrics = ProblemMetrics.create();
    metrics.onProblem(Problem.of(429), request); // not counted anywhere, and does not fail

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    metrics.onProblem(Problem.of(429), request);

    assertThat(registry.get(ProblemMetrics.METER_NAME).tag("status", "429").counter().count())
        .isEqualTo(1.0);
  }

  @Test
  void countsIntoEveryBoundRegistry() {
    SimpleMeterRegistry first = new SimpleMeterRegistry();
    SimpleMeterRegistry second = new SimpleMeterRegistry();
    ProblemMetrics metrics = new ProblemMetrics();
    metrics.bindTo(first);
    metrics.bindTo(second);

    metrics.onProblem(Problem.of(503), request);

    assertThat(first.get(ProblemMetrics.METER_NAME).tag("status", "503").counter().count()).isEqualTo(1);
    assertThat(second.get(ProblemMetrics.METER_NAME).tag("status", "503").counter().count())
        .isEqualTo(1);
  }

  @Test
  void coversTheWholeStatusRange() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ProblemMetrics metrics = new ProblemMetrics();
    metrics.bindTo(registry);

    metrics.onProblem(Problem.of(100), request);
    metrics.onProblem(Problem.of(599), request);

    assertThat(registry.get(ProblemMetrics.METER_NAME).counters()).hasSize(2);
  }
}
