package dev.otto.idempotency;

import java.time.Duration;
import java.util.Objects;

/**
 * The answer of {@link IdempotencyStore#claim}: the caller {@link Claimed claimed} the key, another attempt
 * holds it ({@link InFlight}), or it was {@link Completed} before.
 */
public sealed interface ClaimResult permits ClaimResult.Claimed, ClaimResult.InFlight, ClaimResult.Completed {

  /** The caller now owns the key and should run the request. */
  record Claimed() implements ClaimResult {
  }

  /**
   * Another attempt holds the key.
   *
   * @param fingerprint the fingerprint stored by the holder
   * @param leaseRemaining how long the holder's lease still runs; zero or positive
   */
  record InFlight(String fingerprint, Duration leaseRemaining) implements ClaimResult {

    /**
     * Validates the components; a negative remaining lease becomes zero.
     *
     * @param fingerprint the fingerprint stored by the holder
     * @param leaseRemaining how long the holder's lease still runs
     * @throws NullPointerException when a component is null
     */
    public InFlight {
      Objects.requireNonNull(fingerprint, "fingerprint");
      Objects.requireNonNull(leaseRemaining, "leaseRemaining");
      if (leaseRemaining.isNegative()) {
        leaseRemaining = Duration.ZERO;
      }
    }
  }

  /**
   * The key was completed before.
   *
   * @param fingerprint the fingerprint of the request that completed it
   * @param response the stored response to replay
   */
  record Completed(String fingerprint, StoredResponse response) implements ClaimResult {

    /**
     * Validates the components.
     *
     * @param fingerprint the fingerprint of the request that completed it
     * @param response the stored response to replay
     * @throws NullPointerException when a component is null
     */
    public Completed {
      Objects.requireNonNull(fingerprint, "fingerprint");
      Objects.requireNonNull(response, "response");
    }
  }
}
