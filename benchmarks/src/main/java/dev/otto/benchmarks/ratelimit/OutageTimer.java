package dev.otto.benchmarks.ratelimit;

import dev.otto.benchmarks.RunDirectory;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitListener;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.fallback.FallbackRateLimiter;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import dev.otto.testsupport.RedisServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Times every decision of a {@link FallbackRateLimiter} with its defaults (50 ms command timeout, breaker
 * after 3 failures, probe every second) while its Redis fails: how long the decisions wait before the
 * breaker opens, how fast the local decisions are while it is open, and how soon decisions are back on
 * Redis once it answers again.
 *
 * <p>It starts a private {@code redis-server} on a free port and plays two faults on it, stopping the
 * server by its process id: {@code killed} (SIGKILL, as a crash; then started again on the same port) and
 * {@code hung} (SIGSTOP: connections stay open but nothing answers, so only the timeout helps; then SIGCONT).
 * Each fault lasts {@value #OUTAGE_SECONDS} s after {@value #HEALTHY_SECONDS} s of decisions on Redis.
 * {@value #THREADS} threads make one decision about every {@value #PAUSE_MICROS} µs each on
 * {@value #KEYS} keys, as a service's request threads would; none may ever see an exception.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.otto.benchmarks.ratelimit.OutageTimer [--json FILE]
 * </pre>
 *
 * <p>Exits with status 1 when a decision threw.
 */
public final class OutageTimer {

  static final int THREADS = 8;
  static final int KEYS = 1_000;
  static final long PAUSE_MICROS = 500;
  static final int HEALTHY_SECONDS = 3;
  static final int OUTAGE_SECONDS = 4;
  /** A decision this slow waited for Redis; local decisions take microseconds. */
  private static final long WAITED_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /** How long to wait for decisions on Redis again after the repair before giving up. */
  private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(15);

  /** {@link RedisRateLimiter}'s default, which the limiter here keeps; for the report only. */
  static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofMillis(50);

  private static final RateLimitPolicy POLICY = RateLimitPolicy.of("outage", 1_000_000, Duration.ofSeconds(1));

  private OutageTimer() {
  }

  /** What one fault measured; times in microseconds, counts in decisions. */
  record Outage(
      String fault, long decisions, long errors,
      long waited, long longestWaitMicros,
      long whileOpen, long whileOpenP50Micros, long whileOpenP99Micros, long whileOpenMaxMicros,
      long recoveryMillis) {
  }

  /**
   * Runs both faults.
   *
   * @param args {@code [--json FILE]}
   * @throws Exception when redis-server cannot be started
   */
  public static void main(String[] args) throws Exception {
    @Nullable Path json = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--json") && i + 1 < args.length) {
        json = Path.of(args[++i]);
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i] + "; use [--json FILE]");
      }
    }
    List<Outage> outages = new ArrayList<>();
    String where;
    try (RedisServerProcess server = RedisServerProcess.start()) {
      where = "private redis-server pid " + server.pid() + " on " + server.uri();
      System.out.println("Faults on a " + where);
      outages.add(time(server, "killed", server::kill, server::restart));
      outages.add(time(server, "hung", server::pause, server::resume));
    }
    System.out.println(String.format(Locale.ROOT, "%-7s %10s %6s %7s %17s %22s %13s",
        "fault", "decisions", "errors", "waited", "longest wait (ms)", "open p50/p99/max (µs)", "recovery (s)"));
    for (Outage outage : outages) {
      System.out.println(String.format(Locale.ROOT, "%-7s %10d %6d %7d %17.1f %8d / %4d / %6d %13.2f",
          outage.fault(), outage.decisions(), outage.errors(), outage.waited(),
          outage.longestWaitMicros() / 1000.0, outage.whileOpenP50Micros(), outage.whileOpenP99Micros(),
          outage.whileOpenMaxMicros(), outage.recoveryMillis() / 1000.0));
    }
    if (json != null) {
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("redis", where);
      document.put("commandTimeoutMillis", DEFAULT_COMMAND_TIMEOUT.toMillis());
      document.put("threads", THREADS);
      document.put("pauseMicros", PAUSE_MICROS);
      document.put("outageSeconds", OUTAGE_SECONDS);
      document.put("outages", outages);
      RunDirectory.writeFigures(json, document);
    }
    if (outages.stream().anyMatch(outage -> outage.errors() > 0)) {
      System.err.println("FAIL: a decision threw while Redis was failing; it must decide locally instead");
      System.exit(1);
    }
  }

  /** Decisions through one fault: healthy, {@code fail}, {@value #OUTAGE_SECONDS} s, {@code repair}. */
  private static Outage time(RedisServerProcess server, String fault, Runnable fail, Runnable repair)
      throws InterruptedException {
    Transitions transitions = new Transitions();
    try (RedisRateLimiter redis = RedisRateLimiter.builder()
            .uri(server.uri())
            .keyPrefix("otto:outage:" + fault + ":")
            .build();
        FallbackRateLimiter limiter = FallbackRateLimiter.builder()
            .primary(redis)
            .listener(transitions)
            .build()) {
      awaitRedis(limiter);
      Recorder[] recorders = new Recorder[THREADS];
      Thread[] threads = new Thread[THREADS];
      for (int i = 0; i < THREADS; i++) {
        recorders[i] = new Recorder(limiter);
        threads[i] = new Thread(recorders[i], "outage-" + fault + "-" + i);
        threads[i].start();
      }
      TimeUnit.SECONDS.sleep(HEALTHY_SECONDS);
      fail.run();
      // From when the fault is in effect: the process has exited, or is stopped.
      long failed = System.nanoTime();
      TimeUnit.SECONDS.sleep(OUTAGE_SECONDS);
      long repaired = System.nanoTime();
      repair.run();
      awaitRecovery(transitions, repaired);
      TimeUnit.MILLISECONDS.sleep(200);
      for (Recorder recorder : recorders) {
        recorder.stop = true;
      }
      for (Thread thread : threads) {
        thread.join();
      }
      return summarize(fault, recorders, failed, transitions.engaged.get(), repaired);
    }
  }

  private static void awaitRedis(FallbackRateLimiter limiter) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (limiter.tryAcquire("warm-up", POLICY).backend() != RateLimitBackend.REDIS) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("the limiter did not decide on Redis within 10 s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  /** Waits until the limiter reports that it uses Redis again, at most {@link #RECOVERY_LIMIT}. */
  private static void awaitRecovery(Transitions transitions, long repaired) {
    long deadline = repaired + RECOVERY_LIMIT.toNanos();
    while (transitions.recovered.get() == 0 && System.nanoTime() - deadline < 0) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }

  private static Outage summarize(String fault, Recorder[] recorders, long failed, long engaged, long repaired) {
    long back = 0;
    long decisions = 0;
    long errors = 0;
    List<Long> beforeBreaker = new ArrayList<>();
    List<Long> whileOpen = new ArrayList<>();
    for (Recorder recorder : recorders) {
      errors += recorder.errors;
      for (int i = 0; i < recorder.size; i++) {
        long started = recorder.started[i];
        long took = recorder.took[i];
        decisions++;
        long finished = started + took;
        // Back on Redis: the first decision after the repair that Redis made, when it had made it.
        if (recorder.onRedis[i] && started - repaired >= 0 && (back == 0 || finished - back < 0)) {
          back = finished;
        }
        // In flight when the fault took effect or started before the breaker opened: these may wait for Redis.
        if (finished - failed > 0 && (engaged == 0 || started - engaged < 0)) {
          beforeBreaker.add(took);
        } else if (engaged != 0 && started - engaged >= 0 && started - repaired < 0) {
          whileOpen.add(took);
        }
      }
    }
    long[] waiting = sorted(beforeBreaker);
    long[] open = sorted(whileOpen);
    long waited = Arrays.stream(waiting).filter(took -> took > WAITED_NANOS).count();
    return new Outage(fault, decisions, errors, waited, micros(percentile(waiting, 1)),
        open.length, micros(percentile(open, 0.50)), micros(percentile(open, 0.99)), micros(percentile(open, 1)),
        back == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(back - repaired));
  }

  private static long[] sorted(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).sorted().toArray();
  }

  /** The smallest value at least this share of the values does not exceed; 0 when there are none. */
  private static long percentile(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(quantile * sorted.length) - 1)];
  }

  private static long micros(long nanos) {
    return TimeUnit.NANOSECONDS.toMicros(nanos);
  }

  /** When the breaker first opened and first closed again (System.nanoTime), 0 before. */
  private static final class Transitions implements RateLimitListener {

    final AtomicLong engaged = new AtomicLong();
    final AtomicLong recovered = new AtomicLong();

    @Override
    public void onFallbackEngaged(Throwable cause) {
      engaged.compareAndSet(0, System.nanoTime());
    }

    @Override
    public void onFallbackRecovered(Duration degradedFor) {
      recovered.compareAndSet(0, System.nanoTime());
    }
  }

  /** One request thread: decides, records when it started, how long it took and whether Redis decided. */
  private static final class Recorder implements Runnable {

    private final FallbackRateLimiter limiter;
    volatile boolean stop;
    long[] started = new long[1 << 16];
    long[] took = new long[1 << 16];
    boolean[] onRedis = new boolean[1 << 16];
    /** Written by this thread only, read by others once it has ended. */
    int size;
    long errors;

    Recorder(FallbackRateLimiter limiter) {
      this.limiter = limiter;
    }

    @Override
    public void run() {
      while (!stop) {
        String key = "user-" + ThreadLocalRandom.current().nextInt(KEYS);
        long start = System.nanoTime();
        try {
          RateLimitDecision decision = limiter.tryAcquire(key, POLICY);
          record(start, System.nanoTime() - start, decision.backend() == RateLimitBackend.REDIS);
        } catch (RuntimeException e) {
          errors++;
          System.err.println("decision threw: " + e);
        }
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(PAUSE_MICROS));
      }
    }

    private void record(long start, long duration, boolean wasOnRedis) {
      int at = size;
      if (at == started.length) {
        started = Arrays.copyOf(started, at * 2);
        took = Arrays.copyOf(took, at * 2);
        onRedis = Arrays.copyOf(onRedis, at * 2);
      }
      started[at] = start;
      took[at] = duration;
      onRedis[at] = wasOnRedis;
      size = at + 1;
    }
  }
}
