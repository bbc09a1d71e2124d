package dev.otto.spring.idempotency;

import dev.otto.idempotency.jdbc.JdbcIdempotencyStore;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Deletes expired idempotency records from PostgreSQL at a fixed interval, in batches, on a daemon thread
 * of its own; stops with the application context. A zero interval schedules nothing.
 */
final class ExpiredRecordCleanup implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(ExpiredRecordCleanup.class);

  private final JdbcIdempotencyStore store;
  private final Duration interval;
  private @Nullable ScheduledExecutorService scheduler;

  /**
   * @throws IllegalArgumentException naming {@code otto.idempotency.jdbc.cleanup-interval} when the
   *     interval is negative or between zero and one millisecond, the resolution it is scheduled at
   */
  ExpiredRecordCleanup(JdbcIdempotencyStore store, Duration interval) {
    if (!interval.isZero() && interval.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException(
          "otto.idempotency.jdbc.cleanup-interval must be 0 (off) or at least 1ms: " + interval);
    }
    this.store = store;
    this.interval = interval;
  }

  @Override
  public synchronized void start() {
    if (interval.isZero() || scheduler != null) {
      return;
    }
    ScheduledExecutorService started =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "otto-idempotency-cleanup");
              thread.setDaemon(true);
              return thread;
            });
    long millis = interval.toMillis();
    started.scheduleWithFixedDelay(this::deleteExpired, millis, millis, TimeUnit.MILLISECONDS);
    scheduler = started;
  }

  void deleteExpired() {
    try {
      int deleted = store.deleteExpired();
      log.debug("Deleted {} expired idempotency records", deleted);
    } catch (RuntimeException e) {
      // The next run tries again; expired rows are never replayed, they only take space meanwhile.
      log.warn("Could not delete expired idempotency records; retrying in {}", interval, e);
    }
  }

  @Override
  public synchronized void stop() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return scheduler != null;
  }
}
