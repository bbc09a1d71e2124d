package dev.otto.demo;

import dev.otto.health.checks.WorkerHeartbeats;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The demo's in-process worker. It has no real work; it shows how a worker reports that it is alive, which
 * the readiness component "workers" checks.
 */
@Component
class DemoWorker {

  static final String ID = "demo-worker";

  private final WorkerHeartbeats heartbeats;

  DemoWorker(WorkerHeartbeats heartbeats) {
    this.heartbeats = heartbeats;
  }

  @Scheduled(fixedRateString = "${demo.worker.heartbeat-interval:5s}")
  void heartbeat() {
    heartbeats.beat(ID);
  }
}
