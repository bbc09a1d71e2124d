package dev.otto.demo;

import dev.otto.health.checks.WorkerHeartbeats;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The demo's in-process worker. It has no real work; it shows how a worker reports that it is alive, which
 * the readiness component "workers" checks. With OTTO_HEALTH_ENABLED=false there is no heartbeat registry,
 * and the worker has nobody to report to.
 */
@Component
class DemoWorker {

  static final String ID = "demo-worker";

  private final ObjectProvider<WorkerHeartbeats> heartbeats;

  DemoWorker(ObjectProvider<WorkerHeartbeats> heartbeats) {
    this.heartbeats = heartbeats;
  }

  @Scheduled(fixedRateString = "${demo.worker.heartbeat-interval:5s}")
  void heartbeat() {
    heartbeats.ifAvailable(registry -> registry.beat(ID));
  }
}
