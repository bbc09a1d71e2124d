package dev.otto.demo;

import dev.otto.problem.Problem;
import dev.otto.problem.ProblemException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Receives the heartbeats of the demo's in-process workers. */
@RestController
class WorkerController {

  private static final int MAX_WORKER_ID_LENGTH = 128;

  private final WorkerHeartbeats heartbeats;

  WorkerController(WorkerHeartbeats heartbeats) {
    this.heartbeats = heartbeats;
  }

  record Heartbeat(@Nullable String worker) {}

  @PostMapping(path = "/internal/worker/heartbeat", consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void heartbeat(@RequestBody Heartbeat heartbeat) {
    String worker = heartbeat.worker();
    if (worker == null || worker.isBlank() || worker.length() > MAX_WORKER_ID_LENGTH) {
      throw new ProblemException(
          Problem.builder(400)
              .detail("The heartbeat needs a worker id.")
              .error("must be 1 to " + MAX_WORKER_ID_LENGTH + " characters", "#/worker")
              .build());
    }
    heartbeats.beat(worker);
  }
}
