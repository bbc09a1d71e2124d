package dev.otto.idempotency.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.IdempotencyRecord;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.StoredResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} in this JVM's memory, bounded by a number of keys.
 *
 * <pre>{@code
 * IdempotencyStore store = MemoryIdempotencyStore.builder().maximumKeys(50_000).build();
 * }</pre>
 *
 * <p>Records are not shared between instances: behind a load balancer, use the Redis or JDBC store. Each
 * operation is one atomic {@link ConcurrentMap#compute} on a Caffeine cache, so concurrent claims of one key
 * have exactly one winner. Expiry is decided on every read with the injected {@link InstantSource} (tests
 * move a fake clock); Caffeine's variable expiry only frees memory of records nobody asks for again.
 *
 * <p>Bound: when more than {@link Builder#maximumKeys maximumKeys} records exist, Caffeine evicts some (by
 * frequency and recency). An evicted IN_PROGRESS or COMPLETED record is simply absent, so a retry of it
 * runs again: size the bound above the number of keys expected within one time to live. Stored bodies
 * count against the heap (up to the filter's {@code maxStoredBody} per record).
 *
 * <p>Threading: thread-safe and non-blocking apart from Caffeine's per-key compute. Failure: never throws
 * {@link dev.otto.idempotency.IdempotencyStoreException}; invalid arguments throw
 * {@link IllegalArgumentException} or {@link NullPointerException}.
 */
public final class MemoryIdempotencyStore implements IdempotencyStore {

  private final InstantSource clock;
  private final long maximumKeys;
  private final ConcurrentMap<String, Entry> entries;

  private MemoryIdempotencyStore(Builder builder) {
    this.clock = builder.clock;
    this.maximumKeys = builder.maximumKeys;
    Cache<String, Entry> cache = Caffeine.newBuilder()
        .maximumSize(builder.maximumKeys)
        .expireAfter(new EntryExpiry(clock))
        .build();
    this.entries = cache.asMap();
  }

  /**
   * Starts a configuration with the defaults: 100,000 keys, the system clock.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Creates a store with the defaults.
   *
   * @return a new store
   */
  public static MemoryIdempotencyStore create() {
    return builder().build();
  }

  /** {@inheritDoc} Never throws {@link dev.otto.idempotency.IdempotencyStoreException}. */
  @Override
  public ClaimResult claim(String key, String fingerprint, String owner, Duration lease, Duration ttl) {
    requireKey(key);
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(owner, "owner");
    requirePositive("lease", lease);
    requirePositive("ttl", ttl);
    if (ttl.compareTo(lease) < 0) {
      throw new IllegalArgumentException("ttl must not be shorter than the lease: ttl " + ttl + ", lease " + lease);
    }
    ClaimResult[] result = new ClaimResult[1];
    entries.compute(key, (k, current) -> {
      Instant now = clock.instant();
      if (current == null || current.expired(now)) {
        result[0] = CLAIMED;
        return Entry.inProgress(fingerprint, owner, now.plus(lease), now.plus(ttl));
      }
      if (current.state == IdempotencyRecord.State.COMPLETED) {
        result[0] = new ClaimResult.Completed(current.fingerprint, Objects.requireNonNull(current.response));
        return current;
      }
      if (now.isBefore(current.leaseExpiresAt)) {
        result[0] = new ClaimResult.InFlight(current.fingerprint, Duration.between(now, current.leaseExpiresAt));
        return current;
      }
      result[0] = CLAIMED; // the holder's lease passed: take over, fencing the old owner out
      return Entry.inProgress(fingerprint, owner, now.plus(lease), now.plus(ttl));
    });
    return result[0];
  }

  /** {@inheritDoc} Never throws {@link dev.otto.idempotency.IdempotencyStoreException}. */
  @Override
  public boolean complete(String key, String owner, StoredResponse response, Duration ttl) {
    requireKey(key);
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(response, "response");
    requirePositive("ttl", ttl);
    boolean[] completed = new boolean[1];
    entries.computeIfPresent(key, (k, current) -> {
      Instant now = clock.instant();
      if (current.expired(now)) {
        return null;
      }
      if (!current.ownedBy(owner)) {
        return current;
      }
      completed[0] = true;
      return Entry.completed(current.fingerprint, response, now.plus(ttl));
    });
    return completed[0];
  }

  /** {@inheritDoc} Never throws {@link dev.otto.idempotency.IdempotencyStoreException}. */
  @Override
  public boolean release(String key, String owner) {
    requireKey(key);
    Objects.requireNonNull(owner, "owner");
    boolean[] released = new boolean[1];
    entries.computeIfPresent(key, (k, current) -> {
      if (current.expired(clock.instant())) {
        return null;
      }
      if (!current.ownedBy(owner)) {
        return current;
      }
      released[0] = true;
      return null;
    });
    return released[0];
  }

  /**
   * {@inheritDoc} An IN_PROGRESS record's {@code expiresAt} is the end of its lease (it is found until its
   * time to live passes, so its owner can still complete it); a COMPLETED record's is the end of its time to
   * live. Never throws {@link dev.otto.idempotency.IdempotencyStoreException}.
   */
  @Override
  public Optional<IdempotencyRecord> find(String key) {
    requireKey(key);
    Entry entry = entries.get(key);
    if (entry == null || entry.expired(clock.instant())) {
      return Optional.empty();
    }
    boolean inProgress = entry.state == IdempotencyRecord.State.IN_PROGRESS;
    return Optional.of(new IdempotencyRecord(key, entry.fingerprint, entry.state, entry.owner,
        inProgress ? entry.leaseExpiresAt : entry.expiresAt, entry.response));
  }

  @Override
  public String toString() {
    return "MemoryIdempotencyStore[maximumKeys=" + maximumKeys + ", size~" + entries.size() + "]";
  }

  private static final ClaimResult CLAIMED = new ClaimResult.Claimed();

  private static void requireKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
  }

  private static void requirePositive(String name, Duration duration) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + duration);
    }
  }

  /** One stored record; immutable, replaced on every change. */
  private static final class Entry {

    final String fingerprint;
    final IdempotencyRecord.State state;
    final @Nullable String owner;
    /** End of the lease; only meaningful IN_PROGRESS. */
    final Instant leaseExpiresAt;
    /** End of the record's life. */
    final Instant expiresAt;
    final @Nullable StoredResponse response;

    private Entry(String fingerprint, IdempotencyRecord.State state, @Nullable String owner,
        Instant leaseExpiresAt, Instant expiresAt, @Nullable StoredResponse response) {
      this.fingerprint = fingerprint;
      this.state = state;
      this.owner = owner;
      this.leaseExpiresAt = leaseExpiresAt;
      this.expiresAt = expiresAt;
      this.response = response;
    }

    static Entry inProgress(String fingerprint, String owner, Instant leaseExpiresAt, Instant expiresAt) {
      return new Entry(fingerprint, IdempotencyRecord.State.IN_PROGRESS, owner, leaseExpiresAt, expiresAt, null);
    }

    static Entry completed(String fingerprint, StoredResponse response, Instant expiresAt) {
      return new Entry(fingerprint, IdempotencyRecord.State.COMPLETED, null, expiresAt, expiresAt, response);
    }

    boolean expired(Instant now) {
      return !now.isBefore(expiresAt);
    }

    boolean ownedBy(String candidate) {
      return state == IdempotencyRecord.State.IN_PROGRESS && candidate.equals(owner);
    }
  }

  /**
   * Lets Caffeine drop a record once its time to live has passed on the injected clock, measured when the
   * record is written. Correctness never depends on it: every read checks expiry itself.
   */
  private static final class EntryExpiry implements Expiry<String, Entry> {

    private final InstantSource clock;

    EntryExpiry(InstantSource clock) {
      this.clock = clock;
    }

    private long nanosLeft(Entry entry) {
      try {
        return Math.max(1, Duration.between(clock.instant(), entry.expiresAt).toNanos());
      } catch (ArithmeticException e) {
        return Long.MAX_VALUE; // further away than Caffeine can count: never expires by time
      }
    }

    @Override
    public long expireAfterCreate(String key, Entry entry, long currentTime) {
      return nanosLeft(entry);
    }

    @Override
    public long expireAfterUpdate(String key, Entry entry, long currentTime, long currentDuration) {
      return nanosLeft(entry);
    }

    @Override
    public long expireAfterRead(String key, Entry entry, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }

  /** Configures a {@link MemoryIdempotencyStore}; each setter validates at once. Not thread-safe. */
  public static final class Builder {

    private long maximumKeys = 100_000;
    private InstantSource clock = InstantSource.system();

    private Builder() {
    }

    /**
     * Sets how many records the store holds at most before evicting some. Default 100,000.
     *
     * @param maximumKeys positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder maximumKeys(long maximumKeys) {
      if (maximumKeys <= 0) {
        throw new IllegalArgumentException("maximumKeys must be positive: " + maximumKeys);
      }
      this.maximumKeys = maximumKeys;
      return this;
    }

    /**
     * Sets the clock that leases and times to live are measured with. Default {@link InstantSource#system()};
     * tests pass a clock they move by hand.
     *
     * @param clock the clock
     * @return this builder
     */
    public Builder clock(InstantSource clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Creates the store.
     *
     * @return a new, empty store
     */
    public MemoryIdempotencyStore build() {
      return new MemoryIdempotencyStore(this);
    }
  }
}
