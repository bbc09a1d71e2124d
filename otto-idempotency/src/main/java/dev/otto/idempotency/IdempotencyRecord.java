package dev.otto.idempotency;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one stored record, as {@link IdempotencyStore#find} returns it.
 *
 * @param key the record key
 * @param fingerprint the fingerprint of the request that claimed or completed it
 * @param state whether it is in progress or completed
 * @param owner the owner token while IN_PROGRESS; may be null once COMPLETED
 * @param expiresAt when the lease (IN_PROGRESS) or the record (COMPLETED) expires
 * @param response the stored response when COMPLETED, else null
 */
public record IdempotencyRecord(
    String key,
    String fingerprint,
    State state,
    @Nullable String owner,
    Instant expiresAt,
    @Nullable StoredResponse response) {

  /**
   * Validates the components.
   *
   * @param key the record key
   * @param fingerprint the fingerprint of the request that claimed or completed it
   * @param state whether it is in progress or completed
   * @param owner the owner token while IN_PROGRESS; may be null once COMPLETED
   * @param expiresAt when the lease (IN_PROGRESS) or the record (COMPLETED) expires
   * @param response the stored response when COMPLETED, else null
   * @throws NullPointerException when a required component is null
   */
  public IdempotencyRecord {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /** The state of a record. */
  public enum State {
    /** Claimed by an owner whose request is running (or crashed; the lease tells). */
    IN_PROGRESS,
    /** Completed; the response is replayed until the record expires. */
    COMPLETED
  }
}
