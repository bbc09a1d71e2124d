package dev.otto.health.checks;

import dev.otto.health.CheckAction;
import dev.otto.health.HealthCheck;
import dev.otto.health.HealthCheckException;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A health check that sends Redis a {@code PING} and waits for the answer within the check's timeout.
 *
 * <pre>{@code
 * HealthCheck redis = RedisPingHealthCheck.of("redis", connection, false);
 * // or with any asynchronous probe, for example Otto's rate limiter, which also proves its script runs:
 * HealthCheck limiter = RedisPingHealthCheck.of("redis", redisRateLimiter::probe, false);
 * }</pre>
 *
 * <p>{@code UP} when the answer arrives within the timeout. {@code DOWN} texts: "PING failed" (an error
 * answer or a broken connection) and, for a hung or unreachable server, "no PING answer within N ms".
 * Under a {@link dev.otto.health.ReadinessAggregator} the probe waiting for the check has the same
 * timeout and started it, so its deadline usually passes first: a hung server then shows as "timed out
 * after N ms", and "no PING answer" is shown when no probe was waiting (a background refresh). The
 * underlying exception is logged, never shown. The connection or probe belongs to the caller: the check
 * never closes it. Lettuce is an optional dependency, needed only for
 * {@link #of(String, StatefulRedisConnection, boolean)}.
 */
public final class RedisPingHealthCheck {

  private RedisPingHealthCheck() {
  }

  /**
   * Returns a check that sends {@code PING} on a Lettuce connection.
   *
   * @param name the component name, for example {@code redis}
   * @param connection an open connection; its own command timeout also applies
   * @param critical whether a {@code DOWN} makes the service not ready
   * @throws IllegalArgumentException if {@code name} is not a valid check name
   */
  public static HealthCheck of(String name, StatefulRedisConnection<?, ?> connection, boolean critical) {
    Objects.requireNonNull(connection, "connection must not be null");
    return of(name, LettucePing.of(connection), critical);
  }

  /**
   * Returns a check that calls {@code ping} and waits for the stage it returns: {@code UP} when it
   * completes normally (its value is ignored), {@code DOWN} when it fails or does not complete in time.
   *
   * @param name the component name, for example {@code redis}
   * @param ping starts one asynchronous probe, for example {@code redisRateLimiter::probe}
   * @param critical whether a {@code DOWN} makes the service not ready
   * @throws IllegalArgumentException if {@code name} is not a valid check name
   */
  public static HealthCheck of(String name, Supplier<? extends CompletionStage<?>> ping, boolean critical) {
    return HealthCheck.of(name, critical, new Ping(Objects.requireNonNull(ping, "ping must not be null")));
  }

  /** Sends one probe and waits for it within the timeout. */
  private record Ping(Supplier<? extends CompletionStage<?>> ping) implements CheckAction {

    @Override
    public @Nullable Map<String, ?> run(Duration timeout) throws InterruptedException {
      CompletableFuture<?> answer;
      try {
        answer = ping.get().toCompletableFuture();
      } catch (RuntimeException e) {
        throw new HealthCheckException("PING failed", e);
      }
      try {
        answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        answer.cancel(false);
        throw new HealthCheckException("no PING answer within " + timeout.toMillis() + " ms", e);
      } catch (ExecutionException e) {
        throw new HealthCheckException("PING failed", e.getCause() != null ? e.getCause() : e);
      }
      return null;
    }
  }
}
