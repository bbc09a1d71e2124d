package dev.otto.idempotency;

import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Observes the {@code IdempotencyFilter}: what it did with each request and how its store calls went.
 * Every method has an empty default, so implement only what you need;
 * {@code dev.otto.idempotency.micrometer.IdempotencyMetrics} turns them into meters.
 *
 * <p>Threading: methods are called on the request thread (or, for asynchronous requests, the container
 * thread that completes them), possibly concurrently, so implementations must be thread-safe, fast and
 * non-blocking. An exception thrown by a listener is logged and changes nothing.
 */
public interface IdempotencyListener {

  /** What the filter did with a request subject to an idempotency rule. */
  enum Outcome {
    /** The handler ran (the key was new, released or taken over after a lease passed). */
    EXECUTED,
    /** The stored response was replayed; the handler did not run. */
    REPLAYED,
    /** Another request with the same key and fingerprint is running: answered {@code 409}. */
    IN_FLIGHT,
    /** The key was used for a request with another fingerprint: answered {@code 422}. */
    MISMATCH,
    /**
     * The filter refused the request before deciding: missing or invalid key ({@code 400}), body too large
     * ({@code 413}) or store unavailable ({@code 503}).
     */
    REJECTED;

    /**
     * The lower-case name used as a metric tag value, such as {@code in_flight}.
     *
     * @return the tag value
     */
    public String tagValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Called once per request of an enforcing rule, after the filter decided and, for {@link Outcome#EXECUTED},
   * after the handler ran.
   *
   * @param outcome what happened
   */
  default void onRequest(Outcome outcome) {
  }

  /**
   * Called once per request of a shadow rule with what enforcement would have done. The handler always
   * ran.
   *
   * @param wouldBe the outcome an enforcing rule would have had
   */
  default void onShadowRequest(Outcome wouldBe) {
  }

  /**
   * Called after every store call the filter makes, successful or not.
   *
   * @param operation {@code claim}, {@code complete} or {@code release}
   * @param latency how long the call took, until its answer or exception
   * @param failure {@code null} on success, else what the store threw
   */
  default void onStoreCall(String operation, Duration latency, @Nullable Throwable failure) {
  }

  /**
   * Called when a handler finished but its claim had been taken over (its lease ran out while it ran): its
   * response was sent but not stored, and the request may have run twice. Raise the lease if this happens.
   */
  default void onLeaseLost() {
  }
}
