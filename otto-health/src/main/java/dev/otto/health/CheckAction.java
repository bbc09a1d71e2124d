package dev.otto.health;

import java.time.Duration;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The work of a {@link HealthCheck}: returns normally when the dependency is usable, throws when it is
 * not.
 *
 * <pre>{@code
 * CheckAction ping = timeout -> {
 *   if (!queue.isConnected()) {
 *     throw new HealthCheckException("not connected to the broker"); // shown in /ready
 *   }
 *   return Map.of("pending", queue.pendingCount());                   // details, or null for none
 * };
 * }</pre>
 *
 * <p>Threading: the {@link ReadinessAggregator} calls an action on one of its executor threads, never
 * concurrently with itself (at most one run of a check is in flight), but successive runs may use
 * different threads. A run that outlives its timeout is not interrupted: it goes on in the background
 * and the check is reported {@code DOWN} meanwhile, and what it returns late counts as {@code DOWN} too,
 * so an action should bound its own I/O with the {@code timeout} it is given.
 *
 * <p>Failure: any exception makes the check {@code DOWN}. Only the message of a
 * {@link HealthCheckException} is shown to clients; for any other exception they see
 * {@code "check failed"} and the exception is logged (see {@link ReadinessAggregator}).
 */
@FunctionalInterface
public interface CheckAction {

  /**
   * Checks the dependency once.
   *
   * @param timeout how long the aggregator waits for this run: the check's own timeout or the
   *     aggregator's default; use it to bound connection and command timeouts
   * @return details to report with an {@code UP} result (small, JSON-like values: strings, numbers,
   *     booleans, lists and maps of those), or {@code null} or an empty map for none
   * @throws Exception when the dependency is not usable; the check is then {@code DOWN}
   */
  @Nullable Map<String, ?> run(Duration timeout) throws Exception;
}
