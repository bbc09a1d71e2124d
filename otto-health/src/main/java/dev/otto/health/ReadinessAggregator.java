package dev.otto.health;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers "is this instance ready for traffic?" by running {@link HealthCheck health checks} in
 * parallel, each with its own timeout, and caching their results so that probe storms cannot multiply
 * the load on a struggling dependency.
 *
 * <pre>{@code
 * ReadinessAggregator readiness = ReadinessAggregator.builder()
 *     .check(DataSourceHealthCheck.of("database", dataSource, true))
 *     .check(RedisPingHealthCheck.of("redis", redisConnection, false))
 *     .check(heartbeats.healthCheck("workers", true))
 *     .defaultTimeout(Duration.ofSeconds(1))
 *     .cacheTtl(Duration.ofSeconds(1))
 *     .build();
 * readiness.markStarted();        // once the application can serve
 * Readiness now = readiness.readiness();
 * readiness.markShuttingDown();   // first thing on shutdown: load balancers drain the instance
 * readiness.close();
 * }</pre>
 *
 * <h2>Lifecycle</h2>
 * An aggregator starts in {@link Phase#STARTING}: {@link #readiness()} says not ready and runs no check
 * (dependencies may still be starting; probes must not hammer them), with no components. Call
 * {@link #markStarted()} when start-up is complete. {@link #markShuttingDown()} makes it not ready at
 * once, so a load balancer drains the instance before it stops; from then on no check runs and the
 * components show the last results. {@code markStarted()} ends such a drain again, for applications
 * that stop taking traffic for a while; after {@link #close()} nothing restarts it.
 *
 * <h2>Running checks</h2>
 * While {@link Phase#RUNNING}, one call of {@link #readiness()}, for each check:
 * <ul>
 *   <li>uses its last result if it is younger than the {@link Builder#cacheTtl cache TTL};
 *   <li>otherwise, if a run of the check is already in flight, uses the last result (a check never has
 *       two runs in flight), or waits for that run: before the check's first result, when the run was
 *       started for a result already two TTLs old (see below), and always with a zero TTL;
 *   <li>otherwise starts a run on the executor and, when the last result is less than twice the TTL old,
 *       answers at once with it while the run refreshes it in the background (stale while revalidating:
 *       probes that come often never wait, not even for a slow or hung dependency); when it is older (the
 *       probes came seldom), before the first result, or with a zero TTL, waits for the run, at most its
 *       timeout, so that a probe never reports a state from long before.
 * </ul>
 * All checks start before any wait, so they run in parallel and one call takes about the longest timeout
 * at most, whatever the checks do. A run that has not finished by its timeout is recorded as
 * {@code DOWN} "timed out after N ms" and is not interrupted: it goes on in the background, and no new
 * run of that check starts until it ends (a check that never returns stays {@code DOWN}; built-in checks
 * bound their own I/O by the timeout). What it returns then is not recorded: a check counts as
 * {@code UP} only when it answers within its timeout. A run that answers late while no probe waited for
 * it (a background refresh) is recorded {@code DOWN} "answered after N ms, over the M ms timeout",
 * whatever it returned, so a dependency that always answers a little late never reads {@code UP}.
 * Results are cached from the moment they are recorded, so a probe storm causes at most one run per
 * check per TTL, and a probe that finds a run in flight answers at once.
 *
 * <p>The service is {@link Readiness#ready() ready} when running and no critical check is {@code DOWN},
 * and {@link Readiness#degraded() degraded} when a non-critical check is {@code DOWN}.
 *
 * <h2>Errors shown and logged</h2>
 * A check's error text is shown to whoever can read {@code /ready}, so it never carries exception
 * details: it is "timed out after N ms", "answered after N ms, over the M ms timeout", the message of a
 * {@link HealthCheckException} (the check's
 * author wrote it to be shown), or "check failed" for any other exception (and for a
 * {@code HealthCheckException} subclass whose message is {@code null} or blank). The exception itself is
 * logged (with its stack trace) at WARN when the check goes {@code DOWN} or its error text changes, at
 * DEBUG while it stays {@code DOWN}; a recovery is logged at INFO. Logger: this class's name.
 *
 * <h2>Threading and resources</h2>
 * Thread-safe; {@code readiness()} may be called from any number of threads and never holds a lock while
 * a check runs or while it waits. Checks run on the {@link Builder#executor executor}; by default the
 * aggregator owns a small pool of daemon threads, one per check (enough, as each check has at most one
 * run in flight), which {@link #close()} shuts down. An executor given to the builder is never shut down
 * by the aggregator.
 */
public final class ReadinessAggregator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReadinessAggregator.class);

  /** Where an aggregator is in its life; see the class description. */
  public enum Phase {
    /** Start-up not yet complete: not ready, no check runs. */
    STARTING,
    /** Ready when no critical check is {@code DOWN}. */
    RUNNING,
    /** Draining (or closed): not ready, no check runs. */
    SHUTTING_DOWN
  }

  private final CheckRunner[] runners;
  private final InstantSource clock;
  private final LongSupplier ticker;
  private final @Nullable ExecutorService ownedExecutor;
  private final Object phaseLock = new Object();
  private volatile Phase phase = Phase.STARTING;
  private boolean closed; // guarded by phaseLock

  private ReadinessAggregator(Builder builder) {
    this.clock = builder.clock;
    this.ticker = builder.ticker;
    Executor executor = builder.executor;
    if (executor == null) {
      this.ownedExecutor = newDefaultExecutor(builder.checks.size());
      executor = ownedExecutor;
    } else {
      this.ownedExecutor = null;
    }
    List<HealthListener> listeners = List.copyOf(builder.listeners);
    this.runners = new CheckRunner[builder.checks.size()];
    for (int i = 0; i < runners.length; i++) {
      HealthCheck check = builder.checks.get(i);
      Duration timeout = check.timeout() != null ? check.timeout() : builder.defaultTimeout;
      runners[i] = new CheckRunner(check, timeout, builder.cacheTtl, ticker, executor, listeners);
    }
  }

  /**
   * Starts an aggregator configuration: no checks, default timeout 1 s, cache TTL 1 s, an owned
   * executor, the system clock.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Answers the readiness question as described on the class: runs the checks that need it, in
   * parallel, and waits at most about the longest check timeout.
   *
   * <p>Never throws because of a check or the executor: every failure is a {@code DOWN} component. Only a
   * {@link VirtualMachineError} (such as an {@link OutOfMemoryError} from an executor that cannot make a
   * thread) propagates, once the check it concerns is recorded {@code DOWN}.
   *
   * @return the readiness, with one component per check that has a result
   */
  public Readiness readiness() {
    long start = ticker.getAsLong();
    Instant timestamp = clock.instant();
    Phase seen = phase;
    Map<String, CheckResult> components = new LinkedHashMap<>();
    if (seen == Phase.RUNNING) {
      Object[] pending = new Object[runners.length];
      for (int i = 0; i < runners.length; i++) {
        pending[i] = runners[i].probe(start);
      }
      for (int i = 0; i < runners.length; i++) {
        CheckResult result = pending[i] instanceof CheckResult done
            ? done
            : runners[i].await((CheckRunner.Run) pending[i]);
        components.put(runners[i].name(), result);
      }
    } else {
      for (CheckRunner runner : runners) {
        CheckResult last = runner.lastResult();
        if (last != null) {
          components.put(runner.name(), last);
        }
      }
    }
    boolean criticalDown = false;
    boolean optionalDown = false;
    for (CheckResult result : components.values()) {
      if (!result.isUp()) {
        if (result.critical()) {
          criticalDown = true;
        } else {
          optionalDown = true;
        }
      }
    }
    // Read the phase again: a drain that began while the checks ran wins.
    boolean ready = seen == Phase.RUNNING && phase == Phase.RUNNING && !criticalDown;
    Duration duration = Duration.ofNanos(Math.max(0, ticker.getAsLong() - start));
    return new Readiness(ready, optionalDown, components, timestamp, duration);
  }

  /**
   * Declares start-up complete: from now on the checks run and decide readiness. Also ends a drain begun
   * by {@link #markShuttingDown()}. Does nothing after {@link #close()}. Thread-safe and idempotent.
   */
  public void markStarted() {
    synchronized (phaseLock) {
      if (closed || phase == Phase.RUNNING) {
        return;
      }
      Phase previous = phase;
      phase = Phase.RUNNING;
      log.info("Readiness: {} -> RUNNING", previous);
    }
  }

  /**
   * Declares that shutdown has begun: readiness is {@code false} from this moment, so load balancers stop
   * sending traffic while in-flight requests finish. No check runs any more. Thread-safe and idempotent.
   */
  public void markShuttingDown() {
    synchronized (phaseLock) {
      if (phase == Phase.SHUTTING_DOWN) {
        return;
      }
      Phase previous = phase;
      phase = Phase.SHUTTING_DOWN;
      log.info("Readiness: {} -> SHUTTING_DOWN; this instance reports not ready", previous);
    }
  }

  /** Returns the current phase. */
  public Phase phase() {
    return phase;
  }

  /** Returns the names of the checks, in the order they were added. */
  public List<String> checkNames() {
    List<String> names = new ArrayList<>(runners.length);
    for (CheckRunner runner : runners) {
      names.add(runner.name());
    }
    return List.copyOf(names);
  }

  /**
   * Marks the aggregator shutting down for good and shuts its own executor down, interrupting runs still
   * in flight. An executor given to the builder is left alone. Idempotent.
   */
  @Override
  public void close() {
    synchronized (phaseLock) {
      if (closed) {
        return;
      }
      closed = true;
      phase = Phase.SHUTTING_DOWN;
    }
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
  }

  private static ExecutorService newDefaultExecutor(int checks) {
    int threads = Math.max(1, checks);
    ThreadPoolExecutor executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), new CheckThreads());
    executor.allowCoreThreadTimeOut(true); // idle between probes: no threads kept for nothing
    return executor;
  }

  /** Daemon threads named after their purpose, so a hung check is easy to find in a thread dump. */
  private static final class CheckThreads implements ThreadFactory {

    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(task, "otto-health-check-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }

  /**
   * Configures a {@link ReadinessAggregator}. Setters validate at once and name the bad value. Not
   * thread-safe; the aggregator it builds is.
   */
  public static final class Builder {

    private final List<HealthCheck> checks = new ArrayList<>();
    private final List<HealthListener> listeners = new ArrayList<>();
    private Duration defaultTimeout = Duration.ofSeconds(1);
    private Duration cacheTtl = Duration.ofSeconds(1);
    private @Nullable Executor executor;
    private InstantSource clock = InstantSource.system();
    private LongSupplier ticker = System::nanoTime;

    private Builder() {
    }

    /**
     * Adds a check. Checks appear in {@code /ready} in the order added.
     *
     * @throws IllegalArgumentException if a check with the same name was added already
     */
    public Builder check(HealthCheck check) {
      Objects.requireNonNull(check, "check must not be null");
      for (HealthCheck added : checks) {
        if (added.name().equals(check.name())) {
          throw new IllegalArgumentException("health check names must be unique; '" + check.name()
              + "' was added already");
        }
      }
      checks.add(check);
      return this;
    }

    /**
     * Sets the timeout of checks that have none of their own. Default 1 s, the default timeout of a
     * Kubernetes probe.
     *
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder defaultTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "defaultTimeout must not be null");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("defaultTimeout must be positive: " + timeout);
      }
      this.defaultTimeout = timeout;
      return this;
    }

    /**
     * Sets how long a check's result is reused before the check runs again. Default 1 s; zero runs a
     * check for every probe (still never two runs at once: a probe that finds a run in flight waits for
     * its result).
     *
     * @throws IllegalArgumentException if {@code ttl} is negative
     */
    public Builder cacheTtl(Duration ttl) {
      Objects.requireNonNull(ttl, "cacheTtl must not be null");
      if (ttl.isNegative()) {
        throw new IllegalArgumentException("cacheTtl must not be negative: " + ttl);
      }
      this.cacheTtl = ttl;
      return this;
    }

    /**
     * Sets the executor that runs the checks, which the aggregator will not shut down. It needs a thread
     * for each check that may be in flight at once, or checks wait in its queue and may time out there;
     * a run it refuses, or fails to start with any other exception, makes that check {@code DOWN} ("not
     * run: ...") and the next probe tries again. Default: a pool owned by the aggregator.
     */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor must not be null");
      return this;
    }

    /**
     * Sets the clock for the {@link Readiness#timestamp() timestamp} of each answer. Default the system
     * clock. Durations, timeouts and the age of cached results are measured with the monotonic
     * {@link System#nanoTime()} whatever the clock, so a step of the wall clock (NTP, a VM resumed) neither
     * lengthens a wait nor keeps a result cached longer.
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /**
     * Sets the monotonic source of nanoseconds for durations, deadlines and cache ages, in place of
     * {@link System#nanoTime()}, so that tests move time by hand. Package-private: not for users.
     */
    Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker must not be null");
      return this;
    }

    /** Adds a listener told of every recorded result and status change; listeners run in the order added. */
    public Builder listener(HealthListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
      return this;
    }

    /**
     * Returns the aggregator, in {@link Phase#STARTING}. The builder may be reused afterwards.
     */
    public ReadinessAggregator build() {
      return new ReadinessAggregator(this);
    }
  }
}
