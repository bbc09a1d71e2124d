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
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * slot. Keys longer than 256 characters are replaced by a digest
 * ({@link RateLimitPolicy#storageKey(String)}), and every key expires by itself once its limit is full
 * again. A script missing from Redis ({@code NOSCRIPT}, after a restart or {@code SCRIPT FLUSH}) is sent
 * once more with {@code EVAL}, which reloads it.
 *
 * <p><b>Ownership.</b> Given a {@linkplain Builder#uri(String) URI}, the limiter creates and owns a Lettuce
 * client and its connection and closes both in {@link #close()}; that client rejects commands while
 * disconnected and reconnects within about a second. Given a {@linkplain Builder#client(RedisClient)
 * client}, it opens and closes its own connection and never closes the client. Given a
 * {@linkplain Builder#connection(StatefulRedisConnection) connection}, it never closes it. With a client
 * or connection of your own, prefer {@code DisconnectedBehavior.REJECT_COMMANDS} and a reconnect delay of
 * at most a second, so that an outage fails fast and the limiter is back soon after Redis.
 *
 * <p><b>Threading.</b> Thread-safe; all callers share one connection and Lettuce pipelines their calls.
 * Asynchronous decisions complete on a Lettuce thread, so dependent stages must not block, and the
 * blocking {@link #tryAcquire} must not be called from one (it would wait out its timeout).
 *
 * <p><b>Failure.</b> When Redis does not answer within the {@linkplain Builder#commandTimeout(Duration)
 * command timeout}, the connection is down, or Redis answers with an error, the decision fails with
 * {@link RateLimiterUnavailableException}; nothing is retried (wrap it in the fallback limiter to keep
 * deciding). A call that timed out is cancelled if it was not yet sent.
 */
public final class RedisRateLimiter implements RateLimiter, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisRateLimiter.class);

  private static final GcraScript SCRIPT = GcraScript.load();

  /** The probe runs the decision script on its own key with T = τ = 1 µs: it writes, so a read-only or full Redis fails it. */
  private static final String[] PROBE_ARGS = {"1", "1", "1"};

  private final RedisConnector connector;
  private final Duration commandTimeout;
  private final long commandTimeoutNanos;
  private final String keyPrefix;
  private final String[] probeKeys;
  private final List<RateLimitListener> listeners;
  private volatile boolean closed;

  private RedisRateLimiter(RedisConnector connector, Builder builder) {
    this.connector = connector;
    this.commandTimeout = builder.commandTimeout;
    this.commandTimeoutNanos = builder.commandTimeout.toNanos();
    this.keyPrefix = builder.keyPrefix;
    this.probeKeys = new String[] {builder.keyPrefix + "probe"};
    this.listeners = List.copyOf(builder.listeners);
  }

  /**
   * Starts a limiter. Exactly one of {@link Builder#uri(String)}, {@link Builder#client(RedisClient)} and
   * {@link Builder#connection(StatefulRedisConnection)} must be set.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Decides a request with one script call, waiting at most the command timeout.
   *
   * @throws IllegalArgumentException when permits is out of range for the policy
   * @throws RateLimiterUnavailableException when Redis did not answer in time, is unreachable or failed
   */
  @Override
  public RateLimitDecision tryAcquire(String key, RateLimitPolicy policy, int permits) {
    CompletableFuture<RateLimitDecision> decision = decide(key, policy, permits);
    try {
      return decision.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RateLimiterUnavailableException unavailable) {
        throw unavailable;
      }
      throw unavailable("the rate-limit script call failed", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      decision.cancel(false);
      throw new RateLimiterUnavailableException("interrupted while waiting for Redis", e);
    }
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
    return decide(key, policy, permits);
  }

  private CompletableFuture<RateLimitDecision> decide(String key, RateLimitPolicy policy, int permits) {
    policy.requirePermits(permits);
    List<Limit> limits = policy.limits();
    int count = limits.size();
    String[] keys = keys(key, policy);
    String[] args = new String[1 + 2 * count];
    args[0] = Integer.toString(permits);
    for (int i = 0; i < count; i++) {
      Limit limit = limits.get(i);
      args[1 + 2 * i] = Long.toString(limit.emissionIntervalMicros());
      args[2 + 2 * i] = Long.toString(limit.toleranceMicros());
    }
    CompletableFuture<RateLimitDecision> decision = new CompletableFuture<>();
    run(keys, args).whenComplete((reply, failure) -> {
      if (failure != null) {
        decision.completeExceptionally(failure);
        return;
      }
      try {
        decision.complete(decode(reply, limits));
      } catch (RuntimeException e) {
        decision.completeExceptionally(unavailable("Redis answered the rate-limit script unexpectedly: " + reply, e));
      }
    });
    return decision;
  }

  /**
   * Checks that Redis can take decisions: runs the decision script once on a probe key of its own (which
   * writes, so a read-only or full Redis fails it), within the command timeout. The fallback limiter calls it
   * to learn when Redis is back; it also suits readiness checks.
   *
   * @return a stage completed normally when Redis answered, or exceptionally with
   *     {@link RateLimiterUnavailableException}
   */
  public CompletionStage<Void> probe() {
    return run(probeKeys, PROBE_ARGS).thenApply(reply -> null);
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

  /** The Redis keys of one decision, one per limit in the policy's order. */
  String[] keys(String key, RateLimitPolicy policy) {
    List<Limit> limits = policy.limits();
    String shared = keyPrefix + '{' + policy.storageKey(key) + "}:";
    String[] keys = new String[limits.size()];
    for (int i = 0; i < keys.length; i++) {
      Limit limit = limits.get(i);
      keys[i] = shared + limit.quota() + ':' + limit.periodMicros();
    }
    return keys;
  }

  private static RateLimitDecision decode(List<Object> reply, List<Limit> limits) {
    boolean allowed = ((Long) reply.get(0)) == 1L;
    int index = Math.toIntExact((Long) reply.get(1)) - 1;
    long remaining = (Long) reply.get(2);
    long resetAfter = (Long) reply.get(3);
    long retryAfter = (Long) reply.get(4);
    return new RateLimitDecision(allowed, remaining, micros(resetAfter), micros(retryAfter),
        limits.get(index), RateLimitBackend.REDIS);
  }

  private static Duration micros(long micros) {
    return micros == 0 ? Duration.ZERO : Duration.ofNanos(micros * 1_000);
  }

  /**
   * Runs the script once (EVALSHA, or EVAL after NOSCRIPT) within the command timeout. Completes
   * exceptionally only with {@link RateLimiterUnavailableException}.
   */
  private CompletableFuture<List<Object>> run(String[] keys, String[] args) {
    ScriptCall call = new ScriptCall(keys, args);
    if (closed) {
      call.fail(new IllegalStateException("the RedisRateLimiter is closed"));
    } else {
      CompletableFuture<StatefulRedisConnection<String, String>> connection = connector.connection();
      if (connection.isDone() && !connection.isCompletedExceptionally()) {
        call.send(connection.join(), false);
      } else {
        connection.whenComplete((ready, failure) -> {
          if (failure != null) {
            call.fail(failure);
          } else {
            call.send(ready, false);
          }
        });
      }
    }
    return call.finish();
  }

  private RateLimiterUnavailableException unavailable(String message, @Nullable Throwable cause) {
    return new RateLimiterUnavailableException(message, cause);
  }

  private RateLimiterUnavailableException unavailable(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof RateLimiterUnavailableException unavailable) {
      return unavailable;
    }
    if (cause instanceof TimeoutException) {
      return unavailable("Redis did not answer the rate-limit script within " + commandTimeout, cause);
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

  /** One script call: the command in flight (to cancel on timeout) and its outcome. */
  private final class ScriptCall {

    private final String[] keys;
    private final String[] args;
    private final long startedNanos = listeners.isEmpty() ? 0 : System.nanoTime();
    private final CompletableFuture<List<Object>> reply = new CompletableFuture<>();
    private volatile @Nullable CompletableFuture<List<Object>> command;

    ScriptCall(String[] keys, String[] args) {
      this.keys = keys;
      this.args = args;
    }

    void send(StatefulRedisConnection<String, String> connection, boolean reloading) {
      if (reply.isDone()) {
        return; // timed out while connecting
      }
      RedisAsyncCommands<String, String> commands = connection.async();
      CompletableFuture<List<Object>> sent;
      try {
        sent = reloading
            ? commands.<List<Object>>eval(SCRIPT.source, ScriptOutputType.MULTI, keys, args).toCompletableFuture()
            : commands.<List<Object>>evalsha(SCRIPT.sha, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      command = sent;
      sent.whenComplete((result, failure) -> {
        if (failure == null) {
          reply.complete(result);
        } else if (!reloading && isNoScript(failure)) {
          send(connection, true);
        } else {
          fail(failure);
        }
      });
    }

    void fail(Throwable failure) {
      reply.completeExceptionally(failure);
    }

    CompletableFuture<List<Object>> finish() {
      CompletableFuture<List<Object>> outcome = new CompletableFuture<>();
      reply.orTimeout(commandTimeoutNanos, TimeUnit.NANOSECONDS).whenComplete((result, failure) -> {
        if (failure == null) {
          notifyListeners(startedNanos, null);
          outcome.complete(result);
        } else if (failure instanceof TimeoutException) {
          // We are on the JDK's single timeout thread, shared by the whole JVM: run the caller's
          // dependent stages (and listeners) on a Lettuce thread instead.
          try {
            connector.executor().execute(() -> failWith(outcome, failure));
          } catch (RejectedExecutionException e) {
            failWith(outcome, failure);
          }
        } else {
          failWith(outcome, failure);
        }
      });
      return outcome;
    }

    private void failWith(CompletableFuture<List<Object>> outcome, Throwable failure) {
      CompletableFuture<List<Object>> inFlight = command;
      if (inFlight != null) {
        // Not yet written (e.g. queued while reconnecting): Lettuce then never sends it.
        inFlight.cancel(false);
      }
      RateLimiterUnavailableException unavailable = unavailable(failure);
      notifyListeners(startedNanos, unavailable);
      outcome.completeExceptionally(unavailable);
    }

    private boolean isNoScript(Throwable failure) {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      return cause instanceof RedisNoScriptException
          || (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"));
    }
  }

  /**
   * Configures a {@link RedisRateLimiter}. Setters validate at once and name the bad value. Not thread-safe.
   */
  public static final class Builder {

    private @Nullable String uri;
    private @Nullable RedisClient client;
    private @Nullable StatefulRedisConnection<String, String> connection;
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
     * Uses this connection; the limiter never closes it. Its database is where the keys go.
     *
     * @param connection an open connection with string keys and values
     * @return this builder
     */
    public Builder connection(StatefulRedisConnection<String, String> connection) {
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
     * @throws IllegalStateException unless exactly one of uri, client and connection was set
     */
    public RedisRateLimiter build() {
      int sources = (uri != null ? 1 : 0) + (client != null ? 1 : 0) + (connection != null ? 1 : 0);
      if (sources != 1) {
        throw new IllegalStateException(
            "set exactly one of uri(…), client(…) or connection(…) on RedisRateLimiter.builder(); got " + sources);
      }
      RedisConnector connector;
      if (connection != null) {
        connector = RedisConnector.borrowing(connection);
      } else if (client != null) {
        connector = RedisConnector.sharing(client);
      } else {
        connector = ownedConnector(Objects.requireNonNull(uri));
      }
      return new RedisRateLimiter(connector, this);
    }

    private static RedisConnector ownedConnector(String uri) {
      // One connection needs one I/O thread; reconnect quickly (at most a second apart) so the limiter is
      // back within seconds of Redis, and reject commands while disconnected so an outage fails fast
      // instead of queueing decisions that would be charged minutes later.
      ClientResources resources = DefaultClientResources.builder()
          .ioThreadPoolSize(1)
          .computationThreadPoolSize(1)
          .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
          .build();
      RedisURI redisUri = RedisURI.create(uri);
      RedisClient owned = RedisClient.create(resources, redisUri);
      owned.setOptions(ClientOptions.builder()
          .autoReconnect(true)
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build())
          .build());
      return RedisConnector.owning(owned, redisUri, resources);
    }
  }
}
