package dev.otto.idempotency.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's one connection and who owns what: Otto's own client and connection (from a URI), Otto's
 * connection on the user's client, or the user's connection.
 *
 * <p>When Otto opens the connection and the first attempt fails (Redis not up yet), it tries again every
 * {@link #RETRY_DELAY} in the background, so an application starts without Redis and picks it up later;
 * meanwhile calls fail fast. Once connected, Lettuce reconnects by itself.
 */
final class RedisConnector implements AutoCloseable {

  /** Keys are text (prefix and record key); values are bytes, so stored responses stay byte-identical. */
  static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  static final Duration RETRY_DELAY = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);

  private final @Nullable Supplier<CompletableFuture<StatefulRedisConnection<String, byte[]>>> opener;
  private final @Nullable RedisClient client;
  private final boolean ownsClient;
  private final @Nullable ClientResources ownedResources;
  private volatile CompletableFuture<StatefulRedisConnection<String, byte[]>> current;
  private volatile boolean closed;

  private RedisConnector(@Nullable RedisClient client, boolean ownsClient, @Nullable ClientResources ownedResources,
      @Nullable Supplier<CompletableFuture<StatefulRedisConnection<String, byte[]>>> opener,
      @Nullable StatefulRedisConnection<String, byte[]> given) {
    this.client = client;
    this.ownsClient = ownsClient;
    this.ownedResources = ownedResources;
    this.opener = opener;
    this.current = given != null ? CompletableFuture.completedFuture(given) : new CompletableFuture<>();
    if (opener != null) {
      open();
    }
  }

  /**
   * Otto creates and owns the client, its resources and the connection. The client rejects commands while
   * disconnected, so an outage fails calls at once instead of queueing claims that would land minutes
   * later, and reconnects at most a second apart, so the store is back soon after Redis.
   */
  static RedisConnector owning(String uri) {
    ClientResources resources = DefaultClientResources.builder()
        .ioThreadPoolSize(1)
        .computationThreadPoolSize(1)
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), RETRY_DELAY, 2, TimeUnit.MILLISECONDS))
        .build();
    RedisURI redisUri = RedisURI.create(uri);
    RedisClient client = RedisClient.create(resources, redisUri);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(SocketOptions.builder().connectTimeout(RETRY_DELAY).build())
        .build());
    return new RedisConnector(client, true, resources,
        () -> client.connectAsync(CODEC, redisUri).toCompletableFuture(), null);
  }

  /** The user's client: Otto opens and closes its own connection, never the client. */
  static RedisConnector sharing(RedisClient client) {
    // No asynchronous connect without a URI: run the blocking one on the client's computation threads (not
    // its I/O threads, which complete the connect, nor the caller's).
    return new RedisConnector(client, false, null,
        () -> CompletableFuture.supplyAsync(() -> client.connect(CODEC), client.getResources().eventExecutorGroup()),
        null);
  }

  /** The user's connection: Otto uses it and never closes it. */
  static RedisConnector borrowing(StatefulRedisConnection<String, byte[]> connection) {
    return new RedisConnector(null, false, null, null, connection);
  }

  /**
   * Returns the connection: completed when connected, pending during an attempt, failed while Otto's
   * attempts fail (the next one is scheduled).
   */
  CompletableFuture<StatefulRedisConnection<String, byte[]>> connection() {
    return current;
  }

  private void open() {
    RedisClient owner = client;
    if (closed || opener == null || owner == null) {
      return;
    }
    CompletableFuture<StatefulRedisConnection<String, byte[]>> attempt;
    try {
      attempt = opener.get();
    } catch (RuntimeException e) {
      attempt = CompletableFuture.failedFuture(e);
    }
    current = attempt;
    attempt.whenComplete((connection, failure) -> {
      if (failure == null) {
        if (closed) {
          connection.closeAsync();
        }
        return;
      }
      if (closed) {
        return;
      }
      LOG.debug("Cannot connect to Redis for idempotency ({}); trying again in {}", failure.toString(), RETRY_DELAY);
      try {
        owner.getResources().eventExecutorGroup().schedule(this::open, RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        LOG.warn("Cannot schedule the next Redis connection attempt: the Lettuce client was shut down", e);
      }
    });
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (opener != null) {
      CompletableFuture<StatefulRedisConnection<String, byte[]>> last = current;
      if (last.isDone() && !last.isCompletedExceptionally()) {
        last.join().close();
      }
    }
    if (ownsClient && client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
    if (ownedResources != null) {
      ownedResources.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }
}
