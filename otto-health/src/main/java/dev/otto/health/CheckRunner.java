package dev.otto.health;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one check for the aggregator: caches its last result for the TTL, keeps at most one run in
 * flight, and turns a run that outlives its timeout into a recorded {@code DOWN}.
 *
 * <p>State: {@code current} (the last recorded result and when it was recorded, by the ticker) and
 * {@code inFlight} (the run under way, if any). Both change only under {@code lock}, which is never held
 * while a check runs, while a probe waits, or while listeners are called; {@code current} is volatile so
 * that a probe finding a fresh result takes no lock at all. Each recorded result is queued in
 * {@code notices} under the same lock, and reported from there in that order by one thread at a time, so
 * that listeners hear the results in the order they became current.
 */
final class CheckRunner {

  // Logged under the aggregator's name: that is the class users configure and look for.
  private static final Logger log = LoggerFactory.getLogger(ReadinessAggregator.class);

  static final String GENERIC_ERROR = "check failed";

  private final HealthCheck check;
  private final String name;
  private final boolean critical;
  private final Duration timeout;
  private final long timeoutNanos;
  private final long ttlNanos;
  private final LongSupplier ticker;
  private final Executor executor;
  private final List<HealthListener> listeners;
  private final String timeoutError;

  private final Object lock = new Object();
  private volatile @Nullable Recorded current;
  private @Nullable Run inFlight; // guarded by lock
  private final ArrayDeque<Notice> notices = new ArrayDeque<>(); // guarded by lock
  private boolean reporting; // guarded by lock: a thread is reporting the notices

  CheckRunner(HealthCheck check, Duration timeout, Duration ttl, LongSupplier ticker, Executor executor,
      List<HealthListener> listeners) {
    this.check = check;
    this.name = check.name();
    this.critical = check.critical();
    this.timeout = timeout;
    this.timeoutNanos = saturatedNanos(timeout);
    this.ttlNanos = saturatedNanos(ttl);
    this.ticker = ticker;
    this.executor = executor;
    this.listeners = listeners;
    this.timeoutError = "timed out after " + timeout.toMillis() + " ms";
  }

  String name() {
    return name;
  }

  /** The last recorded result, without running anything; {@code null} before the first. */
  @Nullable CheckResult lastResult() {
    Recorded seen = current;
    return seen == null ? null : seen.result;
  }

  /**
   * Starts answering a probe at {@code now}: a {@link CheckResult} when one can be given at once (fresh, or
   * the last result while a refresh runs that started when it was less than two TTLs old), or the
   * {@link Run} to {@link #await} otherwise.
   */
  Object probe(long now) {
    Recorded seen = current;
    if (seen != null && isFresh(seen, now)) {
      return seen.result;
    }
    Run started = null;
    Run overdue = null;
    synchronized (lock) {
      seen = current;
      if (seen != null && isFresh(seen, now)) {
        return seen.result;
      }
      Run running = inFlight;
      if (running == null) {
        started = new Run(now);
        inFlight = started;
      } else if (!running.timedOut && now - running.deadlineNanos >= 0) {
        overdue = running; // its prober went away before the deadline: time it out now
      } else if (seen != null && isRecentEnough(seen, running.startNanos)) {
        // Never a second run in flight: the last result stands meanwhile, when the probe that started the
        // run was given it too (or it is the run's timeout).
        return seen.result;
      } else {
        // Before the first result, when the run was started for a result too old to give, and always
        // without a cache: wait with the probe that started it (two load balancers probing seldom arrive
        // together), at most until its deadline.
        return running;
      }
    }
    if (overdue != null) {
      return timeOut(overdue);
    }
    try {
      executor.execute(started);
    } catch (Throwable t) {
      // Whatever the executor throws (a refusal, a pool that cannot make a thread, a user executor's own
      // exception), the run never started: end it DOWN, or it would stay in flight and no run would ever
      // start again. A VirtualMachineError still propagates, as it does from a run.
      String error = t instanceof RejectedExecutionException
          ? "not run: the health check executor refused it"
          : "not run: the health check executor failed";
      started.finish(CheckResult.down(name, critical, Duration.ZERO, error), t);
      rethrowIfFatal(t);
    }
    // Stale while revalidating, within bounds: a result less than two TTLs old answers at once while the
    // refresh runs, so probes that come often (a probe storm) never wait, not even for a hung dependency;
    // an older one is not given as the current state (a load balancer probing every 10 s would otherwise
    // always see the previous probe's: UP seconds into an outage), so this probe waits for its run,
    // within the timeout. Before the first result, or without a cache, the probe always waits.
    return seen != null && ttlNanos > 0 && isRecentEnough(seen, now) ? seen.result : started;
  }

  /** Waits for {@code run} until its deadline; past it, the run is recorded as timed out. */
  CheckResult await(Run run) {
    long remaining = run.deadlineNanos - ticker.getAsLong();
    try {
      if (remaining > 0) {
        return run.outcome.get(remaining, TimeUnit.NANOSECONDS);
      }
      CheckResult done = run.outcome.getNow(null);
      if (done != null) {
        return done;
      }
    } catch (TimeoutException e) {
      // fall through: timed out
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      // The probe was interrupted, not the check: answer without recording anything.
      return CheckResult.down(name, critical, Duration.ZERO, "probe interrupted");
    } catch (ExecutionException e) {
      throw new IllegalStateException("a run's outcome never completes exceptionally", e);
    }
    return timeOut(run);
  }

  private CheckResult timeOut(Run run) {
    synchronized (lock) {
      if (run.result != null) {
        return run.result;
      }
      if (run.timedOut) {
        return run.timeoutResult;
      }
      run.timedOut = true;
      record(run.timeoutResult, null);
    }
    report();
    return run.timeoutResult;
  }

  /** Makes {@code result} the current one and queues it to be reported. Called under {@code lock}. */
  private void record(CheckResult result, @Nullable Throwable failure) {
    Recorded previous = current;
    current = new Recorded(result, ticker.getAsLong());
    notices.add(new Notice(previous == null ? null : previous.result, result, failure));
  }

  /**
   * Reports the queued results, oldest first, unless another thread is doing so already (it then reports
   * these too, and this thread goes on at once). Results recorded one after the other are reported on
   * different threads; without this they could reach a listener in the other order, leaving a status
   * gauge at the previous status while the check is at the new one. Throws nothing but a
   * {@link VirtualMachineError}.
   */
  private void report() {
    synchronized (lock) {
      if (reporting) {
        return;
      }
      reporting = true;
    }
    try {
      for (Notice notice = nextNotice(); notice != null; notice = nextNotice()) {
        recorded(notice.previous, notice.result, notice.failure);
      }
    } catch (VirtualMachineError fatal) {
      synchronized (lock) {
        reporting = false; // what is left is reported after the next result
      }
      throw fatal;
    }
  }

  /** Takes the oldest queued result, or ends the reporting when none is left. */
  private @Nullable Notice nextNotice() {
    synchronized (lock) {
      Notice next = notices.poll();
      if (next == null) {
        reporting = false;
      }
      return next;
    }
  }

  private boolean isFresh(Recorded recorded, long now) {
    return now - recorded.atNanos < ttlNanos;
  }

  /**
   * Whether a result past its TTL may still answer while a refresh started at {@code start} runs: when it
   * was less than two TTLs old then. (Written so that a TTL near the cap cannot overflow; a result recorded
   * after the start, such as the run's timeout, always may.)
   */
  private boolean isRecentEnough(Recorded recorded, long start) {
    return start - recorded.atNanos - ttlNanos < ttlNanos;
  }

  /**
   * Reports a recorded result: logs on a change of status or error text, then tells the listeners. Throws
   * nothing but a {@link VirtualMachineError}: whatever a listener or the logging throws (a metrics
   * listener's {@code NoClassDefFoundError}, an exception whose message cannot be read) must neither fail
   * the probe nor keep a run from ending.
   */
  private void recorded(@Nullable CheckResult previous, CheckResult result, @Nullable Throwable failure) {
    try {
      logRecorded(previous, result, failure);
    } catch (Throwable t) {
      rethrowIfFatal(t);
      log.warn("Health check '{}' is {} ({}); its failure could not be logged: {}", name, result.status(),
          result.error(), t.getClass().getName());
    }
    boolean statusChanged = previous == null || previous.status() != result.status();
    for (HealthListener listener : listeners) {
      try {
        listener.onCheckCompleted(result);
        if (statusChanged) {
          listener.onStatusChanged(previous, result);
        }
      } catch (Throwable t) {
        rethrowIfFatal(t);
        log.warn("Health listener {} failed for check '{}'; ignored", listener, name, t);
      }
    }
  }

  private void logRecorded(@Nullable CheckResult previous, CheckResult result, @Nullable Throwable failure) {
    if (!result.isUp()) {
      boolean changed = previous == null || previous.isUp()
          || !Objects.equals(result.error(), previous.error());
      if (changed) {
        log.warn("Health check '{}' is DOWN: {}", name, result.error(), failure);
      } else if (log.isDebugEnabled()) {
        log.debug("Health check '{}' is still DOWN: {}", name, result.error(), failure);
      }
    } else if (previous != null && !previous.isUp()) {
      log.info("Health check '{}' is UP again", name);
    }
  }

  private static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError fatal) {
      throw fatal;
    }
  }

  /**
   * The text shown for a failure: only a {@link HealthCheckException}'s message is safe to show, and only
   * when it has one (a subclass may override {@code getMessage()} to return {@code null} or blank).
   */
  static String safeError(Throwable failure) {
    Throwable shown = failure;
    if ((shown instanceof ExecutionException || shown instanceof CompletionException)
        && shown.getCause() != null) {
      shown = shown.getCause();
    }
    if (shown instanceof HealthCheckException e) {
      @Nullable String given = e.getMessage();
      if (given == null || given.isBlank()) {
        return GENERIC_ERROR;
      }
      String message = given.strip();
      if (message.length() <= HealthCheckException.MAX_MESSAGE_LENGTH) {
        return message;
      }
      int cut = HealthCheckException.MAX_MESSAGE_LENGTH - 1;
      if (Character.isHighSurrogate(message.charAt(cut - 1))) {
        cut--; // never half a character: a lone surrogate is not valid text, nor valid in JSON
      }
      return message.substring(0, cut) + "…";
    }
    return GENERIC_ERROR;
  }

  /** Nanoseconds, capped at about 146 years so that adding them to a tick cannot overflow. */
  private static long saturatedNanos(Duration duration) {
    long cap = 1L << 62;
    return duration.compareTo(Duration.ofNanos(cap)) >= 0 ? cap : duration.toNanos();
  }

  /** A result and when it was recorded, by the ticker. */
  private record Recorded(CheckResult result, long atNanos) {
  }

  /** A recorded result waiting to be reported, with the one it replaced and the failure to log. */
  private record Notice(@Nullable CheckResult previous, CheckResult result, @Nullable Throwable failure) {
  }

  /** One run of the check, from submission until its action returns. */
  final class Run implements Runnable {

    final long startNanos;
    final long deadlineNanos;
    final CompletableFuture<CheckResult> outcome = new CompletableFuture<>();
    final CheckResult timeoutResult;
    /** Guarded by lock: set when the run outlived its deadline and that was recorded. */
    boolean timedOut;
    /** Guarded by lock: the run's own result once its action has returned or thrown. */
    @Nullable CheckResult result;

    Run(long startNanos) {
      this.startNanos = startNanos;
      this.deadlineNanos = startNanos + timeoutNanos;
      this.timeoutResult = CheckResult.down(name, critical, timeout, timeoutError);
    }

    @Override
    public void run() {
      CheckResult own = null;
      Throwable failure = null;
      try {
        try {
          // Copied on the check's thread, before the run counts as answered (CheckResult copies again,
          // which costs little for values already copied).
          Map<String, Object> details = CheckDetails.copy(check.action().run(timeout));
          long took = ticker.getAsLong() - startNanos;
          // Measured as the probe measures its deadline: an answer after it is no answer in time, even
          // when no probe was waiting (a background refresh), or a dependency that always answers a
          // little late would read UP most of the time.
          own = took - timeoutNanos >= 0
              ? CheckResult.down(name, critical, Duration.ofNanos(took), "answered after "
                  + Duration.ofNanos(took).toMillis() + " ms, over the " + timeout.toMillis() + " ms timeout")
              : CheckResult.up(name, critical, Duration.ofNanos(Math.max(0, took)), details);
        } catch (Throwable t) {
          failure = t;
          if (t instanceof InterruptedException) {
            Thread.currentThread().interrupt();
          }
          own = CheckResult.down(name, critical, elapsed(), safeError(t));
        }
      } finally {
        // Whatever happened above, the run ends here: a run never finished stays in flight for ever.
        finish(own != null ? own : CheckResult.down(name, critical, elapsed(), GENERIC_ERROR), failure);
      }
      if (failure != null) {
        rethrowIfFatal(failure);
      }
    }

    private Duration elapsed() {
      return Duration.ofNanos(Math.max(0, ticker.getAsLong() - startNanos));
    }

    /**
     * Records the run's own result, unless the run was already recorded as timed out (its late result
     * is then {@code DOWN} as well, and only logged); then completes the outcome for waiting probes.
     */
    void finish(CheckResult own, @Nullable Throwable failure) {
      boolean record;
      synchronized (lock) {
        if (inFlight == this) {
          inFlight = null;
        }
        result = own;
        record = !timedOut;
        if (record) {
          record(own, failure);
        }
      }
      try {
        if (record) {
          report();
        } else if (log.isDebugEnabled()) {
          log.debug("Health check '{}' ended {} ({}) after it was reported timed out", name,
              own.status(), own.error(), failure);
        }
      } finally {
        // Probes waiting for this run get its result even if reporting it failed.
        outcome.complete(own);
      }
    }
  }
}
