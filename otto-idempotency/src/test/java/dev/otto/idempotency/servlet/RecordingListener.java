package dev.otto.idempotency.servlet;

import dev.otto.idempotency.IdempotencyListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/** Remembers every event; thread-safe. */
final class RecordingListener implements IdempotencyListener {

  record StoreCall(String operation, Duration latency, @Nullable Throwable failure) {
  }

  final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<Outcome> shadowOutcomes = new ConcurrentLinkedQueue<>();
  final ConcurrentLinkedQueue<StoreCall> storeCalls = new ConcurrentLinkedQueue<>();
  final AtomicInteger leasesLost = new AtomicInteger();

  @Override
  public void onRequest(Outcome outcome) {
    outcomes.add(outcome);
  }

  @Override
  public void onShadowRequest(Outcome wouldBe) {
    shadowOutcomes.add(wouldBe);
  }

  @Override
  public void onStoreCall(String operation, Duration latency, @Nullable Throwable failure) {
    storeCalls.add(new StoreCall(operation, latency, failure));
  }

  @Override
  public void onLeaseLost() {
    leasesLost.incrementAndGet();
  }

  List<Outcome> outcomes() {
    return List.copyOf(outcomes);
  }

  List<Outcome> shadowOutcomes() {
    return List.copyOf(shadowOutcomes);
  }

  List<String> operations() {
    return storeCalls.stream().map(StoreCall::operation).toList();
  }
}
