package dev.otto.health.checks;

import dev.otto.health.HealthCheck;
import dev.otto.health.HealthCheckException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Remembers when each background worker last said it is alive, and turns that into a health check.
 *
 * <pre>{@code
 * WorkerHeartbeats heartbeats = WorkerHeartbeats.builder()
 *     .staleAfter(Duration.ofSeconds(30))
 *     .build();
 * // in each worker's loop, or via POST /internal/worker/heartbeat with Content-Type: application/json
 * // and {"worker": "mailer-1"}:
 * heartbeats.beat("mailer-1");
 * ReadinessAggregator readiness = ReadinessAggregator.builder()
 *     .check(heartbeats.healthCheck("workers", true))
 *     .build();
 * }</pre>
 *
 * <h2>The rule</h2>
 * The check is {@code UP} when at least one worker beat within {@link Builder#staleAfter staleAfter}
 * ("work is being done"), and {@code DOWN} "no worker heartbeat within 30 s" otherwise, including before
 * the first beat. A worker that stopped beating does not make the check {@code DOWN} while another one
 * still beats (a one-off or retired worker id must not fail readiness forever); the check's details name
 * the stale workers: {@code workers} (known), {@code fresh} (count) and {@code stale} (up to 20 ids,
 * oldest beat first). Remove a worker that stops for good with {@link #remove}.
 *
 * <h2>Bounds</h2>
 * Worker ids are 1 to 128 characters of {@code A-Z a-z 0-9 . _ : -}. At most
 * {@link Builder#maxWorkers maxWorkers} ids (default 1000) are remembered; a new id beyond that evicts
 * the one with the oldest beat, so a flood of made-up ids cannot grow memory, and an evicted live worker
 * is back with its next beat.
 *
 * <p>Thread-safe: {@link #beat} from any number of threads (an existing id is updated without locking).
 */
public final class WorkerHeartbeats {

  private static final Pattern WORKER_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final int STALE_SHOWN = 20;

  private final Duration staleAfter;
  private final int maxWorkers;
  private final InstantSource clock;
  private final ConcurrentHashMap<String, Instant> lastBeats = new ConcurrentHashMap<>();
  private final Object admission = new Object();

  private WorkerHeartbeats(Builder builder) {
    this.staleAfter = builder.staleAfter;
    this.maxWorkers = builder.maxWorkers;
    this.clock = builder.clock;
  }

  /**
   * Starts a configuration: stale after 30 s, at most 1000 workers, the system clock.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a registry with the default settings. */
  public static WorkerHeartbeats create() {
    return builder().build();
  }

  /**
   * Tells whether {@code workerId} is a valid worker id: 1 to 128 characters of
   * {@code A-Z a-z 0-9 . _ : -}.
   */
  public static boolean isValidWorkerId(String workerId) {
    return WORKER_ID.matcher(workerId).matches();
  }

  /**
   * Records that {@code workerId} is alive now.
   *
   * @throws IllegalArgumentException if {@code workerId} is not a valid id (the message does not repeat
   *     it, since it may come from a request)
   */
  public void beat(String workerId) {
    Objects.requireNonNull(workerId, "workerId must not be null");
    if (!isValidWorkerId(workerId)) {
      throw new IllegalArgumentException(
          "workerId must be 1 to 128 characters of A-Z a-z 0-9 . _ : - (length " + workerId.length() + ")");
    }
    Instant now = clock.instant();
    if (lastBeats.replace(workerId, now) != null) {
      return;
    }
    synchronized (admission) {
      if (lastBeats.putIfAbsent(workerId, now) != null) {
        lastBeats.replace(workerId, now);
        return;
      }
      while (lastBeats.size() > maxWorkers) {
        evictOldestExcept(workerId);
      }
    }
  }

  /**
   * Forgets {@code workerId}, for a worker that stopped for good.
   *
   * @return whether it was known
   */
  public boolean remove(String workerId) {
    return lastBeats.remove(Objects.requireNonNull(workerId, "workerId must not be null")) != null;
  }

  /** Returns when {@code workerId} last beat, or empty if it is not known. */
  public Optional<Instant> lastBeat(String workerId) {
    return Optional.ofNullable(lastBeats.get(Objects.requireNonNull(workerId, "workerId must not be null")));
  }

  /** Returns how many worker ids are remembered. */
  public int size() {
    return lastBeats.size();
  }

  /** Returns how long after its last beat a worker counts as stale. */
  public Duration staleAfter() {
    return staleAfter;
  }

  /**
   * Returns a check that is {@code UP} when at least one worker beat within {@code staleAfter}; see the
   * class description. It reads memory only, so it answers at once.
   *
   * @param name the component name, for example {@code workers}
   * @param critical whether a {@code DOWN} makes the service not ready
   * @throws IllegalArgumentException if {@code name} is not a valid check name
   */
  public HealthCheck healthCheck(String name, boolean critical) {
    return HealthCheck.of(name, critical, timeout -> check());
  }

  private Map<String, Object> check() {
    Instant now = clock.instant();
    Instant freshSince = now.minus(staleAfter);
    int fresh = 0;
    List<Map.Entry<String, Instant>> stale = new ArrayList<>();
    for (Map.Entry<String, Instant> entry : lastBeats.entrySet()) {
      if (entry.getValue().isAfter(freshSince)) {
        fresh++;
      } else {
        stale.add(Map.entry(entry.getKey(), entry.getValue()));
      }
    }
    if (fresh == 0) {
      throw new HealthCheckException("no worker heartbeat within " + describe(staleAfter));
    }
    stale.sort(Map.Entry.comparingByValue());
    List<String> staleIds = new ArrayList<>();
    for (int i = 0; i < stale.size() && i < STALE_SHOWN; i++) {
      staleIds.add(stale.get(i).getKey());
    }
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("workers", fresh + stale.size());
    details.put("fresh", fresh);
    details.put("stale", List.copyOf(staleIds));
    return details;
  }

  private void evictOldestExcept(String keep) {
    String oldest = null;
    Instant oldestBeat = null;
    for (Map.Entry<String, Instant> entry : lastBeats.entrySet()) {
      if (!entry.getKey().equals(keep) && (oldestBeat == null || entry.getValue().isBefore(oldestBeat))) {
        oldest = entry.getKey();
        oldestBeat = entry.getValue();
      }
    }
    if (oldest == null) {
      return;
    }
    lastBeats.remove(oldest);
  }

  private static String describe(Duration duration) {
    long millis = duration.toMillis();
    return millis % 1000 == 0 ? (millis / 1000) + " s" : millis + " ms";
  }

  /**
   * Configures {@link WorkerHeartbeats}. Setters validate at once and name the bad value. Not
   * thread-safe; the registry it builds is.
   */
  public static final class Builder {

    private Duration staleAfter = Duration.ofSeconds(30);
    private int maxWorkers = 1000;
    private InstantSource clock = InstantSource.system();

    private Builder() {
    }

    /**
     * Sets how long after its last beat a worker counts as stale. Default 30 s.
     *
     * @throws IllegalArgumentException if {@code staleAfter} is zero or negative
     */
    public Builder staleAfter(Duration staleAfter) {
      Objects.requireNonNull(staleAfter, "staleAfter must not be null");
      if (staleAfter.isZero() || staleAfter.isNegative()) {
        throw new IllegalArgumentException("staleAfter must be positive: " + staleAfter);
      }
      this.staleAfter = staleAfter;
      return this;
    }

    /**
     * Sets how many worker ids are remembered at most. Default 1000.
     *
     * @throws IllegalArgumentException if {@code maxWorkers} is not between 1 and 100000
     */
    public Builder maxWorkers(int maxWorkers) {
      if (maxWorkers < 1 || maxWorkers > 100_000) {
        throw new IllegalArgumentException("maxWorkers must be between 1 and 100000: " + maxWorkers);
      }
      this.maxWorkers = maxWorkers;
      return this;
    }

    /** Sets the clock beats are stamped and judged with. Default the system clock. */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock must not be null");
      return this;
    }

    /** Returns the registry. The builder may be reused afterwards. */
    public WorkerHeartbeats build() {
      return new WorkerHeartbeats(this);
    }
  }
}
