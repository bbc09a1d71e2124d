package dev.otto.ratelimit.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.netty.util.Timer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the one connection the Redis limiter uses (to a standalone Redis, or a cluster connection that
 * routes each call to the node owning its keys' slot) and knows who owns what.
 *
 * <p>When Otto opens the connection (from a URI or a user's client) and the first attempt fails, for
 * example because Redis is not up yet, it tries again every {@link #RETRY_DELAY} in the background, so an
 * application can start without Redis and pick it up later; meanwhile calls fail fast. Once connected,
 * Lettuce reconnects by itself.
 */
final class RedisConnector implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);

  static final Duration RETRY_DELAY = Duration.ofSeconds(1);

  private final @Nullable Supplier<CompletableFuture<StatefulConnection<String, String>>> opener;
  private final @Nullable AbstractRedisClient client;
  private final boolean ownsClient;
  private final @Nullable ClientResources ownedResources;
  private final @Nullable Timer ownedTimer;
  private final Executor executor;
  private volatile CompletableFuture<StatefulConnection<String, String>> current;
  private volatile boolean closed;

  private RedisConnector(
      @Nullable Supplier<CompletableFuture<StatefulConnection<String, String>>> opener,
      @Nullable AbstractRedisClient client, boolean ownsClient, @Nullable ClientResources ownedResources,
      @Nullable Timer ownedTimer, @Nullable StatefulConnection<String, String> given) {
    this.opener = opener;
    this.client = client;
    this.ownsClient = ownsClient;
    this.ownedResources = ownedResources;
    this.ownedTimer = ownedTimer;
    this.current = given != null ? CompletableFuture.completedFuture(given) : new CompletableFuture<>();
    this.executor = given != null
        ? given.getResources().eventExecutorGroup()
        : Objects.requireNonNull(client).getResources().eventExecutorGroup();
    if (opener != null) {
      open();
    }
  }

  /** Otto created the client (and its resources and their timer, which they do not stop) and closes everything. */
  static RedisConnector owning(RedisClient client, RedisURI uri, ClientResources resources, Timer timer) {
    return new RedisConnector(() -> client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture()
            .<StatefulConnection<String, String>>thenApply(connection -> connection),
        client, true, resources, timer, null);
  }

  /** Otto created the cluster client (and its resources and their timer) and closes everything. */
  static RedisConnector owning(RedisClusterClient client, ClientResources resources, Timer timer) {
    return new RedisConnector(() -> connect(client), client, true, resources, timer, null);
  }

  /** The user's client: Otto opens and closes its own connection, never the client. */
  static RedisConnector sharing(RedisClient client) {
    // RedisClient has no asynchronous connect without a URI; run the blocking one off the caller's thread,
    // on the client's computation pool (not its I/O threads, which complete the connect).
    return new RedisConnector(
        () -> CompletableFuture.<StatefulConnection<String, String>>supplyAsync(
            () -> client.connect(StringCodec.UTF8),
            client.getResources().eventExecutorGroup()),
        client, false, null, null, null);
  }

  /** The user's cluster client: Otto opens and closes its own connection, never the client. */
  static RedisConnector sharing(RedisClusterClient client) {
    return new RedisConnector(() -> connect(client), client, false, null, null, null);
  }

  /** The user's connection (standalone or cluster): Otto uses it and never closes it. */
  static RedisConnector borrowing(StatefulConnection<String, String> connection) {
    return new RedisConnector(null, null, false, null, null, connection);
  }

  private static CompletableFuture<StatefulConnection<String, String>> connect(RedisClusterClient client) {
    // An asynchronous cluster connect needs the topology first; reading it (again) also finds a cluster that
    // was not up at the previous attempt.
    return client.refreshPartitionsAsync().toCompletableFuture()
        .thenCompose(topology -> client.connectAsync(StringCodec.UTF8))
        .<StatefulConnection<String, String>>thenApply(connection -> connection);
  }

  /**
   * Returns the Lettuce computation threads of the client or connection, for work that must not run on
   * the caller's or the JDK's timeout thread.
   */
  Executor executor() {
    return executor;
  }

  /**
   * Returns the connection: completed when connected, pending during the first attempt, failed while
   * Otto's connection attempts fail (the next one is already scheduled).
   */
  CompletableFuture<StatefulConnection<String, String>> connection() {
    return current;
  }

  private void open() {
    if (closed || opener == null || client == null) {
      return;
    }
    CompletableFuture<StatefulConnection<String, String>> attempt;
    try {
      attempt = opener.get();
    } catch (RuntimeException e) {
      attempt = CompletableFuture.failedFuture(e);
    }
    current = attempt;
    attempt.whenComplete((connection, failure) -> {
      if (failure != null) {
        if (closed) {
          return;
        }
        LOG.debug("Cannot connect to Redis for rate limiting ({}); trying again in {}", failure.toString(),
            RETRY_DELAY);
        try {
          client.getResources().eventExecutorGroup()
              .schedule(this::open, RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          LOG.warn("Cannot schedule the next Redis connection attempt: the Lettuce client was shut down", e);
        }
      } else if (closed) {
        connection.closeAsync();
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
      CompletableFuture<StatefulConnection<String, String>> last = current;
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
    if (ownedTimer != null) {
      ownedTimer.stop();
    }
  }
}
