package dev.otto.ratelimit.redis;

import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitListener;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.RateLimiterUnavailableException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.RedisClusterURIUtil;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.HashedWheelTimer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.Serial;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RateLimiter} whose state lives in Redis, so a limit holds across every instance that shares the
 * Redis. Each decision is exactly one {@code EVALSHA} of a GCRA script that checks and charges all limits
 * of the policy, using Redis server time ({@code TIME}), so instance clocks never matter and there is no
 * compare-and-set loop however hot a key is.
 *
 * <pre>{@code
 * try (RedisRateLimiter limiter = RedisRateLimiter.builder()
 *     .uri("redis://localhost:6379")
 *     .commandTimeout(Duration.ofMillis(50))
 *     .build()) {
 *   RateLimitDecision decision = limiter.tryAcquire("user-42", RateLimitPolicy.of("api", 10, Duration.ofSeconds(1)));
 * }
 * }</pre>
 *
 * <p><b>Storage.</b> Each limit of a policy is one key,
 * {@code <prefix>{<policy>:<key>}:<quota>:<periodMicros>}, holding the limit's theoretical arrival time in
 * microseconds (stored format 1). The braces are a Redis Cluster hash tag, so all keys of one call share a
 * slot and one script call decides on the one node that owns it. Keys longer than 256 characters, keys
 * with braces or unpaired surrogates, and keys spelled like a digest are replaced by a digest
 * ({@link RateLimitPolicy#storageKey(String)}), so the hash tag is always the whole policy and key, and
 * distinct keys are distinct Redis keys. Every key expires by itself once its limit is full again. A script
 * missing from Redis ({@code NOSCRIPT}, after a restart or {@code SCRIPT FLUSH}) is sent once more with
 * {@code EVAL}, which reloads it.
 *
 * <p><b>Ownership.</b> Given a {@linkplain Builder#uri(String) URI} (or a
 * {@linkplain Builder#clusterUri(String) cluster's seed nodes}), the limiter creates and owns a Lettuce
 * client and its connection and closes both in {@link #close()}; that client rejects commands while
 * disconnected, reconnects within about a second, and sends the commands that callers queue at the same
 * time in one socket write (Netty's {@code FlushConsolidationHandler}). Given a
 * {@linkplain Builder#client(RedisClient) client} (or {@linkplain Builder#client(RedisClusterClient) cluster
 * client}), it opens and closes its own connection and never closes the client. Given a
 * {@linkplain Builder#connection(StatefulRedisConnection) connection} (or
 * {@linkplain Builder#connection(StatefulRedisClusterConnection) cluster connection}), it never closes it.
 * With a client or connection of your own, prefer {@code DisconnectedBehavior.REJECT_COMMANDS} and a
 * reconnect delay of at most a second, so that an outage fails fast and the limiter is back soon after
 * Redis.
 *
 * <p><b>Redis Cluster.</b> Lettuce sends each decision to the primary that owns its slot and follows
 * redirects. The limiter treats the cluster as one Redis: a decision whose primary is down fails like any
 * other (so a fallback limiter goes local for every key, not only that node's), and the {@link #probe()}
 * passes only once every primary that holds slots answers. A primary's replicas are never asked, so a
 * failover loses the limits kept since the last replication, as any Redis write would.
 *
 * <p><b>Threading.</b> Thread-safe; all callers share one connection (on a cluster, one per primary) and
 * Lettuce pipelines their calls.
 * Asynchronous decisions complete on a Lettuce thread, so dependent stages must not block, and the
 * blocking {@link #tryAcquire} must not be called from one (it would wait out its timeout). A decision
 * costs one script call and a few small objects; the arguments that depend only on the policy are prepared
 * once per policy.
 *
 * <p><b>Failure.</b> When Redis does not answer within the {@linkplain Builder#commandTimeout(Duration)
 * command timeout}, the connection is down, or Redis answers with an error, the decision fails with
 * {@link RateLimiterUnavailableException}; nothing is retried (wrap it in the fallback limiter to keep
 * deciding). A call that timed out is cancelled if it was not yet sent. {@link #tryAcquire} waits on the
 * caller's thread at most the timeout since the decision started. When the connection to a standalone
 * Redis breaks meanwhile (another call on it fails with an I/O error, as when Redis is killed), it gives up
 * within 5 ms, and an asynchronous decision fails at once, instead of waiting until Lettuce fails the call
 * too (15–30 ms later on a busy machine); on a cluster, where such an error concerns one primary's calls
 * only, they wait for Lettuce or the timeout. Asynchronous decisions on a standalone client the limiter
 * created are timed out by that client, on a timer that ticks every tenth of the timeout (at least 1 ms,
 * at most 100 ms): from a 2 ms timeout on, at most the timeout after they were sent and at most one tick
 * earlier. On a cluster, or a client or connection of your own, they are timed out by a timer of the
 * JDK's. A decision that has to send the script again after {@code NOSCRIPT} gets what is left of its
 * timeout for that, never a timeout of its own.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);

  private static final GcraScript SCRIPT = GcraScript.load();

  /**
   * The probe runs the decision script on its own key with T = τ = 1 µs (the limit of 1000 per millisecond,
   * burst 1): it writes, so a read-only or full Redis fails it.
   */
  private static final List<Limit> PROBE_LIMITS = List.of(new Limit(1_000, Duration.ofMillis(1), 1));

  /** Policies whose script arguments are kept; beyond that (policies built per request) they are built per call. */
  private static final int MAX_PREPARED_POLICIES = 1_024;

  /**
   * How long a synchronous decision waits for its reply before it looks whether the connection was lost
   * meanwhile. Replies normally come in well under a millisecond, so only a decision already waiting on a
   * slow or failing Redis ever wakes up for this, once per slice.
   */
  private static final long LOSS_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final RedisConnector connector;
  private final Duration commandTimeout;
  private final long commandTimeoutNanos;
  /** Whether Lettuce times out script calls itself (a client Otto created); else asynchronous calls arm a timer. */
  private final boolean clientTimesOutScripts;
  private final String keyPrefix;
  private final ProbeKeys probeKeys;
  private final Prepared probe;
  private final List<RateLimitListener> listeners;
  private final ConcurrentHashMap<RateLimitPolicy, Prepared> prepared = new ConcurrentHashMap<>();
  /** Script calls that failed because their connection broke; calls still waiting on it give up. */
  private final ConnectionLosses connectionLosses = new ConnectionLosses();
  /**
   * Where a script call that failed with an I/O error counts the loss: none on a cluster, where a broken
   * connection concerns one node's calls, which a loss counted for the whole limiter would not tell apart
   * from the others; there, calls wait for Lettuce or their timeout.
   */
  private final @Nullable ConnectionLosses lossesCounted;
  private volatile boolean closed;

  private RedisRateLimiter(RedisConnector connector, Builder builder, boolean clientTimesOutScripts) {
    this.connector = connector;
    this.commandTimeout = builder.commandTimeout;
    this.commandTimeoutNanos = builder.commandTimeout.toNanos();
    this.clientTimesOutScripts = clientTimesOutScripts;
    this.lossesCounted = builder.cluster() ? null : connectionLosses;
    this.keyPrefix = builder.keyPrefix;
    this.probeKeys = new ProbeKeys(builder.keyPrefix);
    this.probe = new Prepared(builder.keyPrefix, PROBE_LIMITS);
    this.listeners = List.copyOf(builder.listeners);
  }

  /**
   * Starts a limiter. Exactly one source must be set: a {@linkplain Builder#uri(String) URI},
   * {@linkplain Builder#clusterUri(String) cluster URI}, client or connection (standalone or cluster).
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Decides a request with one script call, waiting on the caller's thread at most the command timeout.
   * An interrupt does not cut that wait short, since giving up on a call already sent would charge the
   * request in Redis and fail it anyway; the thread's interrupt status is kept for its own code to see.
   *
   * @throws IllegalArgumentException when permits is out of range for the policy
   * @throws RateLimiterUnavailableException when Redis did not answer in time, is unreachable or failed
   */
  @Override
  public RateLimitDecision tryAcquire(String key, RateLimitPolicy policy, int permits) {
    policy.requirePermits(permits);
    Prepared script = prepared(policy);
    String[] keys = script.keys(policy.storageKey(key));
    String[] args = script.args(permits);
    // Real elapsed time, for the timeout of a call that needs several waits and for listeners; no
    // decision depends on it (Redis's clock decides).
    long started = System.nanoTime();
    RateLimitDecision decision;
    try {
      decision = decode(call(keys, args, started), script.limits);
    } catch (RateLimiterUnavailableException e) {
      notifyListeners(started, e);
      throw e;
    }
    notifyListeners(started, null);
    return decision;
  }

  /**
   * Sends the decision's script call without waiting for it.
   *
   * @return a stage completed with the decision on a Lettuce thread, or exceptionally with
   *     {@link RateLimiterUnavailableException} when Redis did not answer within the command timeout, is
   *     unreachable or failed
   * @throws IllegalArgumentException when permits is out of range for the policy
   */
  @Override
  public CompletionStage<RateLimitDecision> tryAcquireAsync(String key, RateLimitPolicy policy, int permits) {
    policy.requirePermits(permits);
    Prepared script = prepared(policy);
    AsyncCall call = new AsyncCall(script.keys(policy.storageKey(key)), script.args(permits), script.limits);
    call.start();
    return call;
  }

  /**
   * Checks that Redis can take decisions: runs the decision script once on a probe key of its own (which
   * expires at once), with the same timeout as a decision. On a Redis Cluster it does so on every primary
   * that holds slots, in parallel, so the check passes only when every node answers. Used by the fallback
   * limiter to detect recovery and suitable for readiness checks.
   *
   * @return a stage completed normally when Redis (every primary of a cluster) answered, or exceptionally
   *     with {@link RateLimiterUnavailableException}
   */
  public CompletionStage<Void> probe() {
    List<String[]> keySets = currentProbeKeys();
    if (keySets != null) {
      return probe(keySets);
    }
    // Not connected yet: one call waits for the connection (within the timeout); then, on a cluster, the
    // topology is known and every primary is probed.
    CompletableFuture<Void> probed = new CompletableFuture<>();
    probe(probeKeys.standalone()).whenComplete((connected, failure) -> {
      List<String[]> all = currentProbeKeys();
      if (failure != null || all == null || all == probeKeys.standalone()) {
        complete(probed, failure);
      } else {
        probe(all).whenComplete((ignored, allFailure) -> complete(probed, allFailure));
      }
    });
    return probed;
  }

  /** The probe's key sets on the current connection, or null while there is none. */
  private @Nullable List<String[]> currentProbeKeys() {
    CompletableFuture<StatefulConnection<String, String>> connecting = connector.connection();
    return connecting.isDone() && !connecting.isCompletedExceptionally()
        ? probeKeys.on(connecting.join())
        : null;
  }

  /** Runs the probe's script call on each key set at once; fails with the first call that fails. */
  private CompletableFuture<Void> probe(List<String[]> keySets) {
    CompletableFuture<Void> probed = new CompletableFuture<>();
    AtomicInteger pending = new AtomicInteger(keySets.size());
    for (String[] keys : keySets) {
      AsyncCall call = new AsyncCall(keys, probe.args(1), probe.limits);
      call.start();
      call.whenComplete((decision, failure) -> {
        if (failure != null) {
          probed.completeExceptionally(failure);
        } else if (pending.decrementAndGet() == 0) {
          probed.complete(null);
        }
      });
    }
    return probed;
  }

  private static void complete(CompletableFuture<Void> probed, @Nullable Throwable failure) {
    if (failure != null) {
      probed.completeExceptionally(failure);
    } else {
      probed.complete(null);
    }
  }

  /**
   * Closes what this limiter owns: the connection it opened and the client it created. A client or
   * connection passed in by the user stays open. Decisions after closing fail with
   * {@link RateLimiterUnavailableException}. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    connector.close();
  }

  /** For tests: the connection decisions are sent on, once open. */
  CompletableFuture<StatefulConnection<String, String>> connection() {
    return connector.connection();
  }

  /** For tests: the connection losses that waiting script calls look at. */
  ConnectionLosses connectionLosses() {
    return connectionLosses;
  }

  /** The Redis keys of one decision, one per limit in the policy's order. */
  String[] keys(String key, RateLimitPolicy policy) {
    return prepared(policy).keys(policy.storageKey(key));
  }

  private Prepared prepared(RateLimitPolicy policy) {
    Prepared script = prepared.get(policy);
    if (script == null) {
      script = new Prepared(keyPrefix, policy.limits());
      if (prepared.size() < MAX_PREPARED_POLICIES) {
        Prepared raced = prepared.putIfAbsent(policy, script);
        if (raced != null) {
          script = raced;
        }
      }
    }
    return script;
  }

  /**
   * Runs the script once (EVALSHA, or EVAL after NOSCRIPT) and waits for its reply on this thread, at most
   * the command timeout since {@code started} in all.
   *
   * @throws RateLimiterUnavailableException when the call failed, timed out or lost its connection
   */
  private long @Nullable [] call(String[] keys, String[] args, long started) {
    if (closed) {
      throw unavailable(closedFailure());
    }
    CompletableFuture<StatefulConnection<String, String>> connecting = connector.connection();
    StatefulConnection<String, String> connection;
    boolean waited = false;
    if (connecting.isDone() && !connecting.isCompletedExceptionally()) {
      connection = connecting.join();
    } else {
      connection = await(connecting, started, remaining(started), false, 0);
      waited = true;
    }
    boolean reloading = false;
    while (true) {
      // Read before sending: a loss from now on may concern this call.
      long losses = connectionLosses.count();
      Future<long[]> command;
      try {
        // This thread bounds the wait and cancels the call itself: the client need not time it too (with
        // 16 threads deciding, a client timer per call measured about 8 % fewer decisions per second).
        command = send(connection, keys, args, reloading, true);
      } catch (RuntimeException e) {
        throw unavailable(e);
      }
      try {
        // A ready connection took no time: the first wait needs no clock read.
        return await(command, started, waited ? remaining(started) : commandTimeoutNanos, true, losses);
      } catch (NoScript e) {
        if (reloading) {
          throw unavailable(e.getCause());
        }
        if (remaining(started) <= 0) {
          // No time left to wait for the EVAL: sent anyway, Redis would charge a request decided without it.
          throw unavailable(new TimeoutException("command timeout"));
        }
        reloading = true;
        waited = true;
      }
    }
  }

  private long remaining(long started) {
    return commandTimeoutNanos - (System.nanoTime() - started);
  }

  /**
   * Waits for a future on this thread: the connection, or a script call, which is cancelled on timeout so
   * that Lettuce does not send it if it has not yet. Waits at most {@code firstWait}, and then until the
   * command timeout since {@code started}; a script call is given up as soon as a connection loss was
   * counted after it was sent ({@code lossesAtSend}), looked at every {@link #LOSS_CHECK_NANOS}. An interrupt
   * is remembered, not obeyed: the wait is short and bounded, and a healthy Redis must not look failed (a
   * fallback would count it towards opening its breaker for every thread).
   *
   * @throws NoScript when the script call failed because Redis does not know the script
   * @throws RateLimiterUnavailableException on any other failure, on timeout or when the connection was lost
   */
  private <T> T await(Future<T> future, long started, long firstWait, boolean scriptCall, long lossesAtSend) {
    long wait = firstWait;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return future.get(Math.min(wait, LOSS_CHECK_NANOS), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
          wait = remaining(started);
          if (wait <= 0) {
            throw abandon(future, scriptCall, unavailable(e));
          }
          if (scriptCall && connectionLosses.count() != lossesAtSend) {
            throw abandon(future, true, brokenConnection());
          }
        } catch (InterruptedException e) {
          interrupted = true;
          wait = remaining(started);
          if (wait <= 0) {
            throw abandon(future, scriptCall, unavailable(new TimeoutException("command timeout")));
          }
        }
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      if (scriptCall && isNoScript(cause)) {
        throw new NoScript(cause);
      }
      throw unavailable(cause);
    } catch (CancellationException e) {
      // Lettuce cancels the commands it holds when their connection is closed, e.g. while it buffers them
      // during an outage: a failure like any other, never an exception of its own for the caller.
      throw unavailable(e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static RateLimiterUnavailableException abandon(Future<?> future, boolean cancel,
      RateLimiterUnavailableException failure) {
    if (cancel) {
      future.cancel(false);
    }
    return failure;
  }

  private ScriptCall send(StatefulConnection<String, String> connection, String[] keys, String[] args,
      boolean reloading, boolean timedByCaller) {
    ScriptCall call = ScriptCall.of(SCRIPT, keys, args, reloading, timedByCaller, lossesCounted);
    connection.dispatch(call);
    return call;
  }

  /**
   * The decision in the script's reply ({@link ScriptReply}: null when Redis answered something other than
   * five integers).
   */
  private static RateLimitDecision decode(long @Nullable [] reply, List<Limit> limits) {
    if (reply == null) {
      throw new RateLimiterUnavailableException(
          "Redis answered the rate-limit script with something other than its five integers", null);
    }
    try {
      long allowed = reply[0];
      if (allowed != 0 && allowed != 1) {
        throw new IllegalArgumentException("allowed must be 0 or 1: " + allowed);
      }
      // A limit index out of range, a time that overflows or a negative count fails here too.
      return new RateLimitDecision(allowed == 1, reply[2], nanos(reply[3]), nanos(reply[4]),
          limits.get(Math.toIntExact(reply[1] - 1)), RateLimitBackend.REDIS);
    } catch (RuntimeException e) {
      throw new RateLimiterUnavailableException("Redis answered the rate-limit script unexpectedly: "
          + Arrays.toString(reply), e);
    }
  }

  private static long nanos(long micros) {
    return Math.multiplyExact(micros, 1_000L);
  }

  private static boolean isNoScript(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    return cause instanceof RedisNoScriptException
        || (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"));
  }

  private static Throwable closedFailure() {
    return new IllegalStateException("the RedisRateLimiter is closed");
  }

  private RateLimiterUnavailableException unavailable(String message, @Nullable Throwable cause) {
    return new RateLimiterUnavailableException(message, cause);
  }

  /** The failure of a call still waiting when a {@linkplain ConnectionLosses connection loss} was counted. */
  private RateLimiterUnavailableException brokenConnection() {
    return unavailable("the connection to Redis broke while the rate-limit script call was waiting", null);
  }

  private RateLimiterUnavailableException unavailable(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof RateLimiterUnavailableException unavailable) {
      return unavailable;
    }
    if (cause instanceof TimeoutException || cause instanceof RedisCommandTimeoutException) {
      return unavailable("Redis did not answer the rate-limit script within " + commandTimeout, cause);
    }
    if (cause instanceof CancellationException) {
      return unavailable("the rate-limit script call to Redis was cancelled (its connection was closed)", cause);
    }
    return unavailable("the rate-limit script call to Redis failed: " + cause, cause);
  }

  private void notifyListeners(long startedNanos, @Nullable Throwable failure) {
    if (listeners.isEmpty()) {
      return;
    }
    // Elapsed real time for the latency metric only; no decision depends on it.
    Duration latency = Duration.ofNanos(System.nanoTime() - startedNanos);
    for (RateLimitListener listener : listeners) {
      try {
        listener.onRedisCall(latency, failure);
      } catch (RuntimeException e) {
        LOG.warn("RateLimitListener {} failed in onRedisCall", listener, e);
      }
    }
  }

  /** Redis no longer knows the script: send it again with EVAL. */
  private static final class NoScript extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    NoScript(Throwable cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  /**
   * What the script calls of one policy share, built once: its limits, the key suffix of each limit and
   * the arguments for one permit ({@code permits, T1, τ1, T2, τ2, …}). Lettuce only reads the arrays.
   */
  private static final class Prepared {

    final List<Limit> limits;
    private final String open;
    private final String[] suffixes;
    private final String[] onePermit;

    Prepared(String keyPrefix, List<Limit> limits) {
      this.limits = limits;
      this.open = keyPrefix + '{';
      int count = limits.size();
      this.suffixes = new String[count];
      this.onePermit = new String[1 + 2 * count];
      onePermit[0] = "1";
      for (int i = 0; i < count; i++) {
        Limit limit = limits.get(i);
        suffixes[i] = "}:" + limit.quota() + ':' + limit.periodMicros();
        onePermit[1 + 2 * i] = Long.toString(limit.emissionIntervalMicros());
        onePermit[2 + 2 * i] = Long.toString(limit.toleranceMicros());
      }
    }

    /**
     * One key per limit, {@code <prefix>{<storage key>}:<quota>:<periodMicros>}; the braces are a Redis
     * Cluster hash tag, so all keys of one call share a slot.
     */
    String[] keys(String storageKey) {
      String[] keys = new String[suffixes.length];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = open + storageKey + suffixes[i];
      }
      return keys;
    }

    String[] args(int permits) {
      if (permits == 1) {
        return onePermit;
      }
      String[] args = onePermit.clone();
      args[0] = Integer.toString(permits);
      return args;
    }
  }

  /**
   * One asynchronous script call, which is also the stage handed to the caller and the callback of the
   * Lettuce command, so that a decision costs few objects. Completes at most once; whatever completes it
   * first (the reply, a failure, the timeout) wins.
   */
  private final class AsyncCall extends CompletableFuture<RateLimitDecision>
      implements BiConsumer<long[], Throwable>, ConnectionLosses.Waiter {

    private final String[] keys;
    private final String[] args;
    private final List<Limit> limits;
    /** For the listeners, and for what is left of the timeout when the script must be sent again. */
    private final long startedNanos = System.nanoTime();
    private @Nullable StatefulConnection<String, String> connection;
    private boolean reloading;
    private volatile @Nullable Future<long[]> command;
    private volatile long lossesAtSend;
    private volatile @Nullable CompletableFuture<Void> timer;

    AsyncCall(String[] keys, String[] args, List<Limit> limits) {
      this.keys = keys;
      this.args = args;
      this.limits = limits;
    }

    void start() {
      if (closed) {
        fail(closedFailure());
        return;
      }
      CompletableFuture<StatefulConnection<String, String>> connecting = connector.connection();
      boolean ready = connecting.isDone() && !connecting.isCompletedExceptionally();
      if (!ready || !clientTimesOutScripts) {
        armTimer(commandTimeoutNanos);
      }
      if (ready) {
        send(connecting.join(), false);
      } else {
        connecting.whenComplete((connected, failure) -> {
          if (failure != null) {
            fail(failure);
          } else {
            send(connected, false);
          }
        });
      }
    }

    private void send(StatefulConnection<String, String> connection, boolean reloading) {
      if (isDone()) {
        // Timed out while connecting, or completed by the caller (the stage is the call) before a NOSCRIPT
        // reply came back: a registration from the first send must not stay behind.
        stopWaitingForLosses();
        return;
      }
      this.connection = connection;
      this.reloading = reloading;
      ConnectionLosses losses = lossesCounted;
      if (losses != null) {
        // Read and registered before sending: a loss from now on may concern this call. (On a cluster no
        // loss is ever counted, so there is nothing to wait for.)
        lossesAtSend = losses.count();
        losses.await(this);
      }
      ScriptCall sent;
      try {
        // With a timer of our own armed, the client need not time the call too.
        sent = RedisRateLimiter.this.send(connection, keys, args, reloading, timer != null);
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      command = sent;
      if (isDone()) {
        // Failed while being sent: timed out or the connection broke. If that was before it registered
        // above, the failure's done() came first, so say it here too.
        stopWaitingForLosses();
        sent.cancel(false);
        return;
      }
      sent.whenComplete(this);
    }

    /** Leaves the connection-loss waiters, which on a cluster it never joined. */
    private void stopWaitingForLosses() {
      ConnectionLosses losses = lossesCounted;
      if (losses != null) {
        losses.done(this);
      }
    }

    @Override
    public long lossesAtSend() {
      return lossesAtSend;
    }

    @Override
    public void connectionBroke() {
      fail(brokenConnection());
    }

    /** The reply of the script call, on a Lettuce thread. */
    @Override
    public void accept(long @Nullable [] reply, @Nullable Throwable failure) {
      if (failure != null) {
        StatefulConnection<String, String> sentOn = connection;
        if (!reloading && sentOn != null && isNoScript(failure)) {
          reload(sentOn);
        } else {
          fail(failure);
        }
        return;
      }
      RateLimitDecision decision;
      try {
        decision = decode(reply, limits);
      } catch (RateLimiterUnavailableException e) {
        fail(e);
        return;
      }
      stopWaitingForLosses();
      if (complete(decision)) {
        disarmTimer();
        notifyListeners(startedNanos, null);
      }
    }

    /**
     * Sends the script once more, with its source, after Redis answered that it lost it: within what is
     * left of the timeout, as a synchronous decision does. The client's timeout would give the EVAL a whole
     * timeout of its own, so without a timer of ours one is armed for the rest.
     */
    private void reload(StatefulConnection<String, String> connection) {
      long left = remaining(startedNanos);
      if (left <= 0) {
        // Sent anyway, Redis would charge a request that was already decided without it.
        fail(new TimeoutException("command timeout"));
        return;
      }
      if (timer == null) {
        armTimer(left);
      }
      send(connection, true);
    }

    private void fail(Throwable failure) {
      stopWaitingForLosses();
      RateLimiterUnavailableException unavailable = unavailable(failure);
      if (!completeExceptionally(unavailable)) {
        return;
      }
      disarmTimer();
      Future<long[]> inFlight = command;
      if (inFlight != null) {
        // Not yet written (e.g. queued while reconnecting): Lettuce then never sends it.
        inFlight.cancel(false);
      }
      notifyListeners(startedNanos, unavailable);
    }

    /**
     * Times the call out after {@code nanos} with the JDK's timer, for clients whose own timeouts Otto does
     * not set and for a reload.
     */
    private void armTimer(long nanos) {
      CompletableFuture<Void> deadline = new CompletableFuture<>();
      timer = deadline;
      deadline.orTimeout(nanos, TimeUnit.NANOSECONDS).whenComplete((ignored, failure) -> {
        if (failure instanceof TimeoutException) {
          // We are on the JDK's single timeout thread, shared by the whole JVM: run the caller's
          // dependent stages (and listeners) on a Lettuce thread instead.
          try {
            connector.executor().execute(() -> fail(failure));
          } catch (RejectedExecutionException e) {
            fail(failure);
          }
        }
      });
    }

    /** Removes the timeout from the JDK's timer once the call is complete. */
    private void disarmTimer() {
      CompletableFuture<Void> deadline = timer;
      if (deadline != null) {
        deadline.complete(null);
      }
    }
  }

  /**
   * Configures a {@link RedisRateLimiter}. Setters validate at once and name the bad value. Not thread-safe.
   */
  public static final class Builder {

    private @Nullable String uri;
    private @Nullable String clusterUri;
    private @Nullable RedisClient client;
    private @Nullable RedisClusterClient clusterClient;
    private @Nullable StatefulConnection<String, String> connection;
    private Duration commandTimeout = Duration.ofMillis(50);
    private String keyPrefix = "otto:rl:";
    private final List<RateLimitListener> listeners = new ArrayList<>();

    private Builder() {
    }

    /**
     * Connects to this Redis with a client the limiter creates, owns and closes. The limiter starts even if
     * Redis is down and connects as soon as it is up (decisions fail until then).
     *
     * @param uri a Redis URI such as {@code redis://host:6379/0} or {@code rediss://user:secret@host:6380}
     * @return this builder
     * @throws IllegalArgumentException when the URI cannot be parsed (the message omits it, as it may hold a
     *     password)
     */
    public Builder uri(String uri) {
      Objects.requireNonNull(uri, "uri");
      try {
        RedisURI.create(uri);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "uri is not a Redis URI; use redis://host:port[/db] or rediss://… (value not shown, it may hold a password)");
      }
      this.uri = uri;
      return this;
    }

    /**
     * Connects to a Redis Cluster with a cluster client the limiter creates, owns and closes. The client
     * learns the topology from the seed nodes, sends each decision to the primary that owns its keys' slot
     * (all keys of a decision share one, see Storage above), follows redirects, and reads the topology again
     * every 30 seconds and whenever a node redirects it or keeps failing to reconnect (then at most once a
     * second), so it follows a failover or resharding. Like {@link #uri(String)}, the limiter starts even if the cluster is down.
     *
     * @param uri one or more seed nodes sharing credentials and TLS settings, such as
     *     {@code redis://host1:7000,host2:7001} or {@code rediss://user:secret@host1:7000}
     * @return this builder
     * @throws IllegalArgumentException when the URI cannot be parsed (the message omits it, as it may hold a
     *     password)
     */
    public Builder clusterUri(String uri) {
      Objects.requireNonNull(uri, "uri");
      try {
        if (RedisClusterURIUtil.toRedisURIs(URI.create(uri)).isEmpty()) {
          throw new IllegalArgumentException("no seed node");
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("clusterUri is not a Redis URI; use redis://host1:port1[,host2:port2…]"
            + " or rediss://… (value not shown, it may hold a password)");
      }
      this.clusterUri = uri;
      return this;
    }

    /**
     * Opens the limiter's own connection with this client (to the client's default URI). The limiter closes
     * that connection, never the client.
     *
     * @param client a client created with a default URI, for example {@code RedisClient.create(uri)}
     * @return this builder
     */
    public Builder client(RedisClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * Opens the limiter's own cluster connection with this client. The limiter closes that connection,
     * never the client; it reads the client's topology again before each connection attempt (a Lettuce
     * asynchronous connect needs one). Configure the client's topology refresh (see
     * {@link #clusterUri(String)} for what the limiter's own client does) so that it follows failovers.
     *
     * @param client a Redis Cluster client with its seed nodes
     * @return this builder
     */
    public Builder client(RedisClusterClient client) {
      this.clusterClient = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * Uses this connection; the limiter never closes it. Its database is where the keys go. The limiter
     * encodes its keys and arguments as UTF-8 itself, whatever the connection's codec.
     *
     * @param connection an open connection with string keys and values
     * @return this builder
     */
    public Builder connection(StatefulRedisConnection<String, String> connection) {
      this.connection = Objects.requireNonNull(connection, "connection");
      return this;
    }

    /**
     * Uses this Redis Cluster connection; the limiter never closes it. Lettuce routes each decision to the
     * primary that owns its keys' slot. The limiter encodes its keys and arguments as UTF-8 itself, whatever
     * the connection's codec.
     *
     * @param connection an open cluster connection with string keys and values
     * @return this builder
     */
    public Builder connection(StatefulRedisClusterConnection<String, String> connection) {
      this.connection = Objects.requireNonNull(connection, "connection");
      return this;
    }

    /**
     * Sets how long one decision may wait for Redis, connecting included, before it fails with
     * {@link RateLimiterUnavailableException}. Default 50 ms.
     *
     * @param commandTimeout positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder commandTimeout(Duration commandTimeout) {
      Objects.requireNonNull(commandTimeout, "commandTimeout");
      if (commandTimeout.isZero() || commandTimeout.isNegative()) {
        throw new IllegalArgumentException("commandTimeout must be positive: " + commandTimeout);
      }
      this.commandTimeout = commandTimeout;
      return this;
    }

    /**
     * Sets the prefix of every key the limiter writes. Default {@code otto:rl:}.
     *
     * @param keyPrefix at most 64 characters, without <code>{</code> or <code>}</code> (they would break
     *     the hash tag)
     * @return this builder
     * @throws IllegalArgumentException when too long or containing braces
     */
    public Builder keyPrefix(String keyPrefix) {
      Objects.requireNonNull(keyPrefix, "keyPrefix");
      if (keyPrefix.length() > 64 || keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
        throw new IllegalArgumentException(
            "keyPrefix must have at most 64 characters and no '{' or '}': '" + keyPrefix + "'");
      }
      this.keyPrefix = keyPrefix;
      return this;
    }

    /**
     * Adds a listener told about every script call's latency and failure (for metrics). May be called more
     * than once.
     *
     * @param listener a thread-safe, non-blocking listener
     * @return this builder
     */
    public Builder listener(RateLimitListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Creates the limiter. With a URI or client it starts connecting in the background and does not wait.
     *
     * @return the limiter
     * @throws IllegalStateException unless exactly one of uri, clusterUri, client and connection was set
     */
    public RedisRateLimiter build() {
      int sources = (uri != null ? 1 : 0) + (clusterUri != null ? 1 : 0) + (client != null ? 1 : 0)
          + (clusterClient != null ? 1 : 0) + (connection != null ? 1 : 0);
      if (sources != 1) {
        throw new IllegalStateException("set exactly one of uri(…), clusterUri(…), client(…) or connection(…)"
            + " on RedisRateLimiter.builder(); got " + sources);
      }
      RedisConnector connector;
      if (connection != null) {
        connector = RedisConnector.borrowing(connection);
      } else if (client != null) {
        connector = RedisConnector.sharing(client);
      } else if (clusterClient != null) {
        connector = RedisConnector.sharing(clusterClient);
      } else if (clusterUri != null) {
        connector = ownedClusterConnector(clusterUri, commandTimeout);
      } else {
        connector = ownedConnector(Objects.requireNonNull(uri), commandTimeout);
      }
      // Lettuce's cluster writer applies a command's timeout only once a node connection takes it, not
      // while it waits for one to open (after a failover, say): asynchronous cluster calls time themselves.
      return new RedisRateLimiter(connector, this, uri != null);
    }

    /** Whether the limiter runs on a Redis Cluster, known from its source alone. */
    private boolean cluster() {
      return clusterUri != null || clusterClient != null
          || connection instanceof StatefulRedisClusterConnection<?, ?>;
    }

    private static RedisConnector ownedConnector(String uri, Duration commandTimeout) {
      // One connection needs one I/O thread: the pool is Lettuce's smallest, whose threads start on first
      // use. Script calls time out in Lettuce after the command timeout, on a timer fine enough for it (see
      // ownedResources and ownedOptions for the rest).
      HashedWheelTimer timer = timeoutTimer(commandTimeout);
      ClientResources resources = ownedResources(timer).ioThreadPoolSize(LETTUCE_MIN_THREADS).build();
      RedisURI redisUri = RedisURI.create(uri);
      RedisClient owned = RedisClient.create(resources, redisUri);
      owned.setOptions(ownedOptions(ClientOptions.builder(), commandTimeout).build());
      return RedisConnector.owning(owned, redisUri, resources, timer);
    }

    private static RedisConnector ownedClusterConnector(String uri, Duration commandTimeout) {
      // One connection per primary: Lettuce's default I/O threads (one per core, at least two). The
      // topology is read again periodically and on redirects and failing reconnects, at most once a second
      // rather than Lettuce's 5 s: the first read after a primary dies comes before its replica has taken
      // over, and the limiter should not stay local for seconds after that (measured: back on Redis 5.6 s
      // after a primary's death with Lettuce's default, 3.6-4.6 s with this, Redis's failover included).
      HashedWheelTimer timer = timeoutTimer(commandTimeout);
      ClientResources resources = ownedResources(timer).build();
      RedisClusterClient owned =
          RedisClusterClient.create(resources, RedisClusterURIUtil.toRedisURIs(URI.create(uri)));
      owned.setOptions(ownedOptions(ClusterClientOptions.builder(), commandTimeout)
          .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
              .enablePeriodicRefresh(Duration.ofSeconds(30))
              .enableAllAdaptiveRefreshTriggers()
              .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
              .build())
          .build());
      return RedisConnector.owning(owned, resources, timer);
    }

    /**
     * The smallest thread pool Lettuce accepts; asked for fewer, it logs that it takes two at every start.
     */
    private static final int LETTUCE_MIN_THREADS = 2;

    private static HashedWheelTimer timeoutTimer(Duration commandTimeout) {
      return new HashedWheelTimer(new DefaultThreadFactory("otto-ratelimit-timeout", true),
          ScriptTimeouts.tick(commandTimeout).toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Reconnect quickly (at most a second apart) so the limiter is back within seconds of Redis. Flushes
     * are consolidated: with many threads deciding at once, one write carries the commands queued together.
     */
    private static DefaultClientResources.Builder ownedResources(HashedWheelTimer timer) {
      return DefaultClientResources.builder()
          .computationThreadPoolSize(LETTUCE_MIN_THREADS)
          .timer(timer)
          .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
          .nettyCustomizer(new ConsolidatedFlushes());
    }

    /**
     * Reject commands while disconnected, so an outage fails fast instead of queueing decisions that would
     * be charged minutes later; give script calls the command timeout.
     */
    private static <B extends ClientOptions.Builder> B ownedOptions(B options, Duration commandTimeout) {
      options.autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build())
          .timeoutOptions(new ScriptTimeouts(commandTimeout).options());
      return options;
    }
  }
}
