package dev.otto.idempotency;

import java.time.Duration;
import java.util.Optional;

/**
 * Where idempotency records live: a narrow interface of atomic primitives that the
 * {@code IdempotencyFilter} builds exactly-once execution on. Implementations: the in-memory
 * {@code dev.otto.idempotency.memory.MemoryIdempotencyStore}, and the Redis and JDBC stores.
 *
 * <p>A record is either {@link IdempotencyRecord.State#IN_PROGRESS IN_PROGRESS}, held by an owner token
 * for a lease, or {@link IdempotencyRecord.State#COMPLETED COMPLETED} with the stored response until its
 * time to live passes. The owner token fences writes: only the current owner may complete or release a
 * record, so a handler whose lease ran out and was taken over can never overwrite the newer result.
 *
 * <p>Keys are opaque strings of 1 to 512 characters, any but U+0000 (the filter passes a hex SHA-256, but
 * stores must accept any such string and keep distinct strings apart). Every operation is atomic with respect to every other on the same key, also across
 * processes for shared stores. Implementations are thread-safe.
 *
 * <p>Failure: every method throws {@link IdempotencyStoreException} when the store cannot answer
 * (unreachable, timed out, corrupt data); it never answers a guess.
 */
public interface IdempotencyStore {

  /**
   * Claims {@code key} for {@code owner}, atomically:
   * <ul>
   *   <li>absent or expired: stores IN_PROGRESS({@code fingerprint}, {@code owner}) for {@code lease} and
   *       returns {@link ClaimResult.Claimed};
   *   <li>IN_PROGRESS with a live lease: returns {@link ClaimResult.InFlight} with the stored fingerprint and
   *       the remaining lease;
   *   <li>IN_PROGRESS whose lease has passed: takes it over (stores the new owner and fingerprint for
   *       {@code lease}) and returns {@link ClaimResult.Claimed};
   *   <li>COMPLETED and not expired: returns {@link ClaimResult.Completed} with the stored fingerprint and
   *       response.
   * </ul>
   *
   * @param key the record key, 1 to 512 characters
   * @param fingerprint the request fingerprint to store with a new claim
   * @param owner the owner token of this attempt; unique per attempt
   * @param lease how long the claim holds before another attempt may take it over; positive
   * @param ttl how long the IN_PROGRESS record is kept; at least {@code lease}. After the lease but
   *     within this time the owner may still {@link #complete complete} it, as long as nobody took it over
   * @return what the key held
   * @throws IllegalArgumentException when {@code lease} or {@code ttl} is not positive or {@code ttl} is
   *     shorter than {@code lease} (implementations may check)
   * @throws IdempotencyStoreException when the store cannot answer
   */
  ClaimResult claim(String key, String fingerprint, String owner, Duration lease, Duration ttl);

  /**
   * Completes a claim, fenced: only if the record is IN_PROGRESS and owned by {@code owner} (its lease may
   * have passed as long as nobody took it over) it becomes COMPLETED with {@code response}, expiring after
   * {@code ttl}.
   *
   * @param key the record key
   * @param owner the owner token given to {@link #claim}
   * @param response the response to replay
   * @param ttl how long the completed record lives; positive
   * @return {@code true} when completed; {@code false} when the record is gone or held by another owner (a
   *     stale owner never overwrites)
   * @throws IdempotencyStoreException when the store cannot answer
   */
  boolean complete(String key, String owner, StoredResponse response, Duration ttl);

  /**
   * Releases a claim, fenced: deletes the record only if it is IN_PROGRESS and owned by {@code owner}, so
   * the next attempt runs again.
   *
   * @param key the record key
   * @param owner the owner token given to {@link #claim}
   * @return whether the record was released
   * @throws IdempotencyStoreException when the store cannot answer
   */
  boolean release(String key, String owner);

  /**
   * Reads the current unexpired record, for diagnostics and tests. An IN_PROGRESS record is found until
   * its time to live passes, with {@code expiresAt} the end of its lease (which may lie in the past); a
   * COMPLETED record's {@code expiresAt} is the end of its time to live.
   *
   * @param key the record key
   * @return the record, or empty when absent or expired
   * @throws IdempotencyStoreException when the store cannot answer
   */
  Optional<IdempotencyRecord> find(String key);
}
