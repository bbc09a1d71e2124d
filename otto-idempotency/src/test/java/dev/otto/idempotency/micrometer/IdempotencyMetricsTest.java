package dev.otto.idempotency.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.idempotency.IdempotencyListener.Outcome;
import dev.otto.idempotency.IdempotencyStoreException;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdempotencyMetricsTest {

  private final IdempotencyMetrics metrics = new IdempotencyMetrics();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double requests(String outcome) {
    return registry.get("otto.idempotency.requests").tag("outcome", outcome).counter().count();
  }

  @Test
  void registersEveryMeterWithADescriptionWhenBound() {
    metrics.bindTo(registry);

    assertThat(registry.find("otto.idempotency.requests").counters()).hasSize(5);
    assertThat(registry.find("otto.idempotency.shadow.requests").counters()).hasSize(5);
    assertThat(registry.find("otto.idempotency.store.latency").timers()).hasSize(6);
    assertThat(registry.find("otto.idempotency.lease.lost").counters()).hasSize(1);
    assertThat(registry.getMeters()).allSatisfy(meter ->
        assertThat(meter.getId().getDescription()).as(meter.getId().getName()).isNotBlank());
    assertThat(registry.getMeters()).extracting(meter -> meter.getId().getTag("outcome")).filteredOn(tag -> tag != null)
        .contains("executed", "replayed", "in_flight", "mismatch", "rejected", "success", "failure");
  }

  @Test
  void countsRequestsByOutcome() {
    metrics.bindTo(registry);

    metrics.onRequest(Outcome.EXECUTED);
    metrics.onRequest(Outcome.REPLAYED);
    metrics.onRequest(Outcome.REPLAYED);
    metrics.onRequest(Outcome.IN_FLIGHT);
    metrics.onShadowRequest(Outcome.MISMATCH);
    metrics.onLeaseLost();

    assertThat(requests("executed")).isEqualTo(1);
    assertThat(requests("replayed")).isEqualTo(2);
    assertThat(requests("in_flight")).isEqualTo(1);
    assertThat(requests("mismatch")).isZero();
    assertThat(registry.get("otto.idempotency.shadow.requests").tag("outcome", "mismatch").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("otto.idempotency.lease.lost").counter().count()).isEqualTo(1);
  }

  @Test
  void timesStoreCallsByOperationAndOutcome() {
    metrics.bindTo(registry);

    metrics.onStoreCall("claim", Duration.ofMillis(3), null);
    metrics.onStoreCall("complete", Duration.ofMillis(5), new IdempotencyStoreException("down", null));
    metrics.onStoreCall("unknown", Duration.ofMillis(5), null);

    assertThat(registry.get("otto.idempotency.store.latency").tags("operation", "claim", "outcome", "success").timer()
        .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3);
    assertThat(registry.get("otto.idempotency.store.latency").tags("operation", "complete", "outcome", "failure")
        .timer().count()).isEqualTo(1);
    assertThat(registry.find("otto.idempotency.store.latency").timers().stream().mapToLong(Timer::count).sum())
        .isEqualTo(2);
  }

  @Test
  void ignoresEventsBeforeBindingAndCountsAfter() {
    metrics.onRequest(Outcome.EXECUTED);
    metrics.onStoreCall("claim", Duration.ofMillis(1), null);

    metrics.bindTo(registry);
    metrics.onRequest(Outcome.EXECUTED);

    assertThat(requests("executed")).isEqualTo(1);
  }

  @Test
  void recordsIntoEveryBoundRegistryOnce() {
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    metrics.bindTo(registry);
    metrics.bindTo(other);

    metrics.onRequest(Outcome.REJECTED);

    assertThat(requests("rejected")).isEqualTo(1);
    assertThat(other.get("otto.idempotency.requests").tag("outcome", "rejected").counter().count()).isEqualTo(1);
    assertThat(registry.getMeters()).map(Meter::getId).doesNotHaveDuplicates();
  }
}
