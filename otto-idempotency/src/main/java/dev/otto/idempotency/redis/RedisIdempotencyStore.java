package dev.otto.idempotency.redis;

import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.IdempotencyRecord;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.IdempotencyStoreException;
import dev.otto.idempotency.StoredResponse;
import dev.otto.idempotency.StoredResponseCodec;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} in Redis, so every instance that shares the Redis shares the records. Each
 * operation is exactly one {@code EVALSHA} of a Lua script that compares and sets atomically on the
 * server, using Redis server time ({@code TIME}), so instance clocks never matter.
 *
 * <pre>{@code
 * try (RedisIdempotencyStore store = RedisIdempotencyStore.builder()
 *     .uri("redis://localhost:6379")
 *     .build()) {
 *   ClaimResult result = store.claim(key, fingerprint, owner, Duration.ofSeconds(30), Duration.ofHours(24));
 * }
 * }</pre>
 *
 * <p><b>Storage.</b> One hash per record key at {@code <prefix><key>} (record format 1) with the fields
 * {@code v} (format), {@code state}, {@code fp} (fingerprint), {@code owner}, {@code lease} (lease
 * deadline while IN_PROGRESS), {@code exp} (expiry) and {@code resp} (the response in
 * {@link StoredResponseCodec} bytes once COMPLETED); times are milliseconds of Redis server time. The key
 * expires ({@code PEXPIRE}) with the record: a claim lives for the ttl (at least the lease), so a late
 * duplicate still finds it and a slow owner may still complete, while the {@code lease} field decides
 * when another attempt may take it over. A script missing from Redis ({@code NOSCRIPT}, after a restart or
 * {@code SCRIPT FLUSH}) is sent once more with {@code EVAL}, which reloads it. Needs Redis 5 or later;
 * works on Redis Cluster (one key per script call).
 *
 * <p><b>Ownership.</b> Given a {@linkplain Builder#uri(String) URI}, the store creates and owns a Lettuce
 * client and its connection and closes both in {@link #close()}; that client rejects commands while
 * disconnected and reconnects within about a second. Given a {@linkplain Builder#client(RedisClient)
 * client}, it opens and closes its own connection and never closes the client. Given a
 * {@linkplain Builder#connection(StatefulRedisConnection) connection}, it never closes it. With a client
 * or connection of your own, prefer {@code DisconnectedBehavior.REJECT_COMMANDS} and a reconnect delay of
 * at most a second, so that an outage fails fast and the store is back soon after Redis.
 *
 * <p><b>Threading.</b> Thread-safe; all callers share one connection and Lettuce pipelines their calls.
 * Each operation blocks its caller for at most the command timeout; do not call it on a Lettuce thread.
 *
 * <p><b>Failure.</b> When Redis does not answer within the {@linkplain Builder#commandTimeout(Duration)
 * command timeout} (connecting included), the connection is down, or Redis answers with an error, the
 * operation throws {@link IdempotencyStoreException}; nothing is retried. A call that timed out is
 * cancelled if it was not yet sent; one already sent may still take effect (a claim then expires with its
 * lease, a completion is then simply stored).
 */
public final class RedisIdempotencyStore implements IdempotencyStore, AutoCloseable {

  private static final int MAX_KEY_LENGTH = 512;

  private static final long CLAIMED = 1;
  private static final long IN_FLIGHT = 2;
  private static final long COMPLETED = 3;

  private final RedisConnector connector;
  private final Duration commandTimeout;
  private final long commandTimeoutNanos;
  private final String keyPrefix;
  private volatile boolean closed;

  private RedisIdempotencyStore(RedisConnector connector, Builder builder) {
    this.connector = connector;
    this.commandTimeout = builder.commandTimeout;
    this.commandTimeoutNanos = builder.commandTimeout.toNanos();
    this.keyPrefix = builder.keyPrefix;
  }

  /**
   * Starts a store. Exactly one of {@link Builder#uri(String)}, {@link Builder#client(RedisClient)} and
   * {@link Builder#connection(StatefulRedisConnection)} must be set.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code EVALSHA}; the record lives for {@code max(ttl, lease)}.
   *
   * @throws IllegalArgumentException when the key is empty or longer than 512 characters, or a duration is
   *     not positive
   */
  @Override
  public ClaimResult claim(String key, String fingerprint, String owner, Duration lease, Duration ttl) {
    String redisKey = redisKey(key);
    long leaseMillis = positiveMillis("lease", lease);
    long ttlMillis = Math.max(positiveMillis("ttl", ttl), leaseMillis);
    List<Object> reply = call("claim", RedisScript.CLAIM, ScriptOutputType.MULTI, redisKey,
        utf8(Objects.requireNonNull(fingerprint, "fingerprint")), utf8(Objects.requireNonNull(owner, "owner")),
        number(leaseMillis), number(ttlMillis));
    try {
      long outcome = (Long) reply.get(0);
      if (outcome == CLAIMED) {
        return new ClaimResult.Claimed();
      }
      String storedFingerprint = text(reply.get(1));
      if (outcome == IN_FLIGHT) {
        return new ClaimResult.InFlight(storedFingerprint, Duration.ofMillis((Long) reply.get(2)));
      }
      if (outcome == COMPLETED) {
        return new ClaimResult.Completed(storedFingerprint, StoredResponseCodec.decode(bytes(reply.get(2))));
      }
    } catch (ClassCastException | IndexOutOfBoundsException | NullPointerException e) {
      throw unexpected("claim", e);
    }
    throw unexpected("claim", null);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code EVALSHA}; the completed record's key expires after {@code ttl}.
   *
   * @throws IllegalArgumentException when the key is empty or too long, or the ttl is not positive
   */
  @Override
  public boolean complete(String key, String owner, StoredResponse response, Duration ttl) {
    String redisKey = redisKey(key);
    long ttlMillis = positiveMillis("ttl", ttl);
    byte[] encoded = StoredResponseCodec.encode(Objects.requireNonNull(response, "response"));
    Long reply = call("complete", RedisScript.COMPLETE, ScriptOutputType.INTEGER, redisKey,
        utf8(Objects.requireNonNull(owner, "owner")), encoded, number(ttlMillis));
    return reply == 1L;
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code EVALSHA}.
   *
   * @throws IllegalArgumentException when the key is empty or too long
   */
  @Override
  public boolean release(String key, String owner) {
    String redisKey = redisKey(key);
    Long reply = call("release", RedisScript.RELEASE, ScriptOutputType.INTEGER, redisKey,
        utf8(Objects.requireNonNull(owner, "owner")));
    return reply == 1L;
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code EVALSHA}. The record's {@code expiresAt} is its lease deadline while IN_PROGRESS (in the
   * past when the lease has passed and nobody took it over yet), its expiry once COMPLETED, in Redis
   * server time.
   *
   * @throws IllegalArgumentException when the key is empty or too long
   */
  @Override
  public Optional<IdempotencyRecord> find(String key) {
    String redisKey = redisKey(key);
    List<Object> reply = call("find", RedisScript.FIND, ScriptOutputType.MULTI, redisKey);
    if (reply.isEmpty()) {
      return Optional.empty();
    }
    try {
      IdempotencyRecord.State state = IdempotencyRecord.State.valueOf(text(reply.get(0)));
      boolean completed = state == IdempotencyRecord.State.COMPLETED;
      long expiresAt = Long.parseLong(text(reply.get(completed ? 4 : 3)));
      StoredResponse response = completed ? StoredResponseCodec.decode(bytes(reply.get(5))) : null;
      Object owner = reply.get(2);
      return Optional.of(new IdempotencyRecord(key, text(reply.get(1)), state, owner == null ? null : text(owner),
          Instant.ofEpochMilli(expiresAt), response));
    } catch (ClassCastException | IndexOutOfBoundsException | NullPointerException | IllegalArgumentException e) {
      throw unexpected("find", e);
    }
  }

  /**
   * Checks that Redis answers on the store's own connection: one {@code PING}, not waited for, so that a
   * readiness check (which bounds the wait) sees the Redis the store depends on without a connection of
   * its own, for example {@code RedisPingHealthCheck.of("redis", store::probe, false)}.
   *
   * @return a stage completed normally when Redis answered, or exceptionally when the store is closed
   *     ({@link IdempotencyStoreException}), not connected, or the {@code PING} failed
   */
  public CompletionStage<Void> probe() {
    if (closed) {
      return CompletableFuture.failedFuture(
          new IdempotencyStoreException("The RedisIdempotencyStore is closed; cannot probe Redis", null));
    }
    return connector.connection()
        .thenCompose(connection -> connection.async().ping())
        .thenApply(pong -> null);
  }

  /**
   * Closes what this store owns: the connection it opened and the client it created. A client or
   * connection passed in by the user stays open. Operations after closing throw
   * {@link IdempotencyStoreException}. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    connector.close();
  }

  @Override
  public String toString() {
    return "RedisIdempotencyStore[keyPrefix=" + keyPrefix + ", commandTimeout=" + commandTimeout + "]";
  }

  /** The Redis key of a record key. */
  String redisKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("key must have 1 to " + MAX_KEY_LENGTH + " characters: " + key.length());
    }
    return keyPrefix + key;
  }

  /** Runs one script (EVALSHA, or EVAL after NOSCRIPT), waiting at most the command timeout in all. */
  private <T> T call(String operation, RedisScript script, ScriptOutputType type, String key, byte[]... args) {
    if (closed) {
      throw new IdempotencyStoreException("The RedisIdempotencyStore is closed; cannot " + operation, null);
    }
    ScriptCall<T> call = new ScriptCall<>(script, type, new String[] {key}, args);
    CompletableFuture<StatefulRedisConnection<String, byte[]>> connection = connector.connection();
    connection.whenComplete((ready, failure) -> {
      if (failure != null) {
        call.reply.completeExceptionally(failure);
      } else {
        call.send(ready, false);
      }
    });
    try {
      return call.reply.get(commandTimeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      call.cancel();
      throw new IdempotencyStoreException("Redis did not answer the idempotency " + operation + " within "
          + commandTimeout + " (commandTimeout)", e);
    } catch (ExecutionException e) {
      throw failed(operation, e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel();
      throw new IdempotencyStoreException("Interrupted while waiting for Redis to answer the idempotency "
          + operation, e);
    }
  }

  private static IdempotencyStoreException failed(String operation, @Nullable Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof RedisCommandExecutionException) {
      return new IdempotencyStoreException("Redis answered the idempotency " + operation + " with an error: "
          + cause.getMessage(), cause);
    }
    return new IdempotencyStoreException("Cannot reach Redis for the idempotency " + operation + ": " + cause, cause);
  }

  private static IdempotencyStoreException unexpected(String operation, @Nullable Throwable cause) {
    return new IdempotencyStoreException("Redis answered the idempotency " + operation
        + " script unexpectedly; is another program writing under Otto's key prefix?", cause);
  }

  private static @Nullable Throwable unwrap(@Nullable Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] number(long value) {
    return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
  }

  private static String text(@Nullable Object value) {
    return new String(bytes(value), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(@Nullable Object value) {
    return (byte[]) Objects.requireNonNull(value, "reply element");
  }

  private static long positiveMillis(String name, Duration duration) {
    Objects.requireNonNull(duration, name);
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + duration);
    }
    // Rounded up: a sub-millisecond duration must not become zero (PEXPIRE 0 deletes the key).
    return Math.max(1, (duration.toNanos() + 999_999) / 1_000_000);
  }

  /** One script call: the command in flight (to cancel on timeout) and its outcome. */
  private static final class ScriptCall<T> {

    private final RedisScript script;
    private final ScriptOutputType type;
    private final String[] keys;
    private final byte[][] args;
    final CompletableFuture<T> reply = new CompletableFuture<>();
    private volatile @Nullable RedisFuture<T> command;

    ScriptCall(RedisScript script, ScriptOutputType type, String[] keys, byte[][] args) {
      this.script = script;
      this.type = type;
      this.keys = keys;
      this.args = args;
    }

    void send(StatefulRedisConnection<String, byte[]> connection, boolean reloading) {
      if (reply.isDone()) {
        return; // timed out while connecting
      }
      RedisAsyncCommands<String, byte[]> commands = connection.async();
      RedisFuture<T> sent;
      try {
        sent = reloading
            ? commands.eval(script.source, type, keys, args)
            : commands.evalsha(script.sha, type, keys, args);
      } catch (RuntimeException e) {
        reply.completeExceptionally(e);
        return;
      }
      command = sent;
      if (reply.isDone()) {
        sent.cancel(false); // the caller gave up while this was being sent
        return;
      }
      sent.whenComplete((result, failure) -> {
        if (failure == null) {
          reply.complete(result);
        } else if (!reloading && isNoScript(failure)) {
          send(connection, true);
        } else {
          reply.completeExceptionally(failure);
        }
      });
    }

    /**
     * Gives up: a command still waiting for the connection is never sent, and one not yet written (queued
     * while reconnecting) is dropped by Lettuce. One already written may still run on the server.
     */
    void cancel() {
      reply.cancel(false);
      RedisFuture<T> inFlight = command;
      if (inFlight != null) {
        inFlight.cancel(false);
      }
    }

    private static boolean isNoScript(Throwable failure) {
      Throwable cause = Objects.requireNonNull(unwrap(failure));
      return cause instanceof RedisNoScriptException
          || (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT"));
    }
  }

  /**
   * Configures a {@link RedisIdempotencyStore}. Setters validate at once and name the bad value. Not
   * thread-safe.
   */
  public static final class Builder {

    private @Nullable String uri;
    private @Nullable RedisClient client;
    private @Nullable StatefulRedisConnection<String, byte[]> connection;
    private Duration commandTimeout = Duration.ofMillis(200);
    private String keyPrefix = "otto:idem:";

    private Builder() {
    }

    /**
     * Connects to this Redis with a client the store creates, owns and closes. The store starts even if
     * Redis is down and connects as soon as it is up (operations fail until then).
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
     * Opens the store's own connection with this client (to the client's default URI). The store closes
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
     * Uses this connection; the store never closes it. Its database is where the records go. Values must be
     * raw bytes, so responses are stored byte for byte:
     * {@code client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))}.
     *
     * @param connection an open connection with UTF-8 string keys and byte-array values
     * @return this builder
     */
    public Builder connection(StatefulRedisConnection<String, byte[]> connection) {
      this.connection = Objects.requireNonNull(connection, "connection");
      return this;
    }

    /**
     * Sets how long one operation may wait for Redis, connecting included, before it throws
     * {@link IdempotencyStoreException} (the filter answers 503 without running the handler). Default
     * 200 ms: a script call takes about a millisecond, so only a hung or unreachable Redis reaches it, while
     * a pause of some tens of milliseconds (GC, failover, a busy network) does not turn into a 503. Longer
     * than the rate limiter's 50 ms because there is no fallback here: a timed-out claim fails the request,
     * and a timed-out completion may cost the stored response.
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
     * Sets the prefix of every key the store writes. Default {@code otto:idem:}.
     *
     * @param keyPrefix at most 64 characters, without <code>{</code> or <code>}</code> (a hash tag in the
     *     prefix would put every record in one Redis Cluster slot)
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
     * Creates the store. With a URI or client it starts connecting in the background and does not wait.
     *
     * @return the store
     * @throws IllegalStateException unless exactly one of uri, client and connection was set
     */
    public RedisIdempotencyStore build() {
      int sources = (uri != null ? 1 : 0) + (client != null ? 1 : 0) + (connection != null ? 1 : 0);
      if (sources != 1) {
        throw new IllegalStateException("set exactly one of uri(…), client(…) or connection(…) on"
            + " RedisIdempotencyStore.builder(); got " + sources);
      }
      RedisConnector connector;
      if (connection != null) {
        connector = RedisConnector.borrowing(connection);
      } else if (client != null) {
        connector = RedisConnector.sharing(client);
      } else {
        connector = RedisConnector.owning(Objects.requireNonNull(uri));
      }
      return new RedisIdempotencyStore(connector, this);
    }
  }
}
