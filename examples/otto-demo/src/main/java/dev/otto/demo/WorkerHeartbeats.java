package dev.otto.demo;

import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The last heartbeat of each in-process worker, as reported to {@code /internal/worker/heartbeat}. */
final class WorkerHeartbeats {

  private final InstantSource clock;
  private final Map<String, Instant> lastBeat = new ConcurrentHashMap<>();

  WorkerHeartbeats(InstantSource clock) {
    this.clock = clock;
  }

  void beat(String worker) {
    lastBeat.put(worker, clock.instant());
  }

  Optional<Instant> lastBeat(String worker) {
    return Optional.ofNullable(lastBeat.get(worker));
  }
}
