package dev.otto.idempotency.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Weigher;
import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.IdempotencyRecord;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.StoredResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link IdempotencyStore} in this JVM's memory, bounded by a number of keys and by the heap its records
 * take.
 *
 * <pre>{@code
 * IdempotencyStore store = MemoryIdempotencyStore.builder()
 *     .maximumKeys(50_000)
 *     .maximumBytes(32L * 1024 * 1024)
 *     .build();
 * }</pre>
 *
 * <p>Records are not shared between instances: behind a load balancer, use the Redis or JDBC store. Each
 * operation is one atomic {@link ConcurrentMap#compute} on a Caffeine cache, so concurrent claims of one key
 * have exactly one winner. Expiry is decided on every read with the injected {@link InstantSource} (tests
 * move a fake clock); Caffeine's variable expiry, which reads the same clock, only frees the memory of
 * records nobody asks for again once their time to live has passed.
 *
 * <p>Guarantee: the claim of a running request is never evicted for size, however full the store, so a
 * duplicate always finds it and is answered in flight rather than run a second time. A claim weighs nothing
 * while its lease runs, and Caffeine never considers an entry of weight zero for size-based eviction. Their
 * number is bounded by the requests running at once, not by clients: a claim weighs nothing only until its
 * request completes or releases it, or until its lease passes. A claim whose lease has passed without either
 * (a handler that hangs, or async processing the filter cannot follow) is weighed like a completed record at
 * the next {@link #claim} (each claim weighs up to {@value #LAPSED_PER_CLAIM} such): from then on it may be
 * evicted, which costs nothing a retry would not do anyway, since any retry may take it over. The heap of
 * weightless claims (a few hundred bytes each) is not part of {@code maximumBytes}.
 *
 * <p>Bounds: Caffeine weighs every completed record, and every claim whose lease has passed, by an estimate of
 * the heap it retains, its stored body and headers included (see {@link Builder#maximumBytes maximumBytes}),
 * and evicts some of them (by frequency and recency) once their total passes {@code maximumBytes}. Each weighs
 * at least {@code maximumBytes / maximumKeys}, and the total is lowered where that division rounds, so that
 * one record more than {@link Builder#maximumKeys maximumKeys} never fits: both bounds hold, and whichever is
 * reached first evicts. The weight is computed whenever a record is written, so a claim that is completed
 * with a response goes from nothing to its response's weight. An evicted COMPLETED record is simply absent,
 * so a retry of it runs again: size both bounds above the records expected within one time to live. Caffeine
 * evicts in its maintenance, which runs right after writes (on its executor, or on a writer when its write
 * buffer is full): the bounds hold once it has run, and a burst of writes may pass them briefly by the
 * records it has not yet caught up with.
 *
 * <p>A response whose record alone would outweigh the whole byte bound is not stored: {@link #complete}
 * removes the claim instead, so a retry runs the request again (as the filter does for a body above its
 * {@code maxStoredBody}), logs a warning and returns {@code true}, the claim being finished with. It never
 * evicts the other records.
 *
 * <p>Threading: thread-safe and non-blocking apart from Caffeine's per-key compute. Failure: never throws
 * {@link dev.otto.idempotency.IdempotencyStoreException}; invalid arguments throw
 * {@link IllegalArgumentException} or {@link NullPointerException}.
 */
public final class MemoryIdempotencyStore implements IdempotencyStore {

  private static final Logger log = LoggerFactory.getLogger(MemoryIdempotencyStore.class);

  static final long DEFAULT_MAXIMUM_KEYS = 100_000;
  static final long DEFAULT_MAXIMUM_BYTES = 64L * 1024 * 1024;

  /**
   * Heap of one record besides its strings and body, estimated for a 64-bit JVM with compressed references:
   * the map's node and table slot, Caffeine's node with its weight and expiry fields, the {@code Entry}, its
   * two {@code Instant}s, the {@code StoredResponse}, its header list and the body array's header. An
   * estimate, not a measurement.
   */
  static final int RECORD_OVERHEAD = 200;
  /**
   * Object and array headers of one string, estimated. Its characters are counted at one byte each: compact
   * strings store Latin-1 text so, and the filter's hex keys and fingerprints, UUID owners and almost every
   * header value are ASCII. A string with other characters takes two bytes a character, so its estimate is
   * low by its length.
   */
  static final int STRING_OVERHEAD = 40;
  /** One stored header besides its two strings: the {@code Header} record and its slot in the list. */
  static final int HEADER_OVERHEAD = 24;
  /**
   * How many claims whose lease has passed each {@link #claim} weighs at most: more than the one claim it adds,
   * so that a backlog left by a burst is caught up with, and few, so that no request pays for many.
   */
  static final int LAPSED_PER_CLAIM = 4;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final InstantSource clock;
  private final long maximumKeys;
  private final long maximumBytes;
  private final RecordWeigher weigher;
  private final Cache<String, Entry> cache;
  private final ConcurrentMap<String, Entry> entries;
  /**
   * The leases of the weightless claims, soonest end first, so that the claims whose lease has passed are
   * found without looking at the others. A lease is added and removed in the compute of its key, except by
   * {@link #weighLapsedClaims}, which takes it out first and then weighs its claim in that compute.
   */
  private final ConcurrentSkipListSet<Lease> leases = new ConcurrentSkipListSet<>();

  private MemoryIdempotencyStore(Builder builder) {
    this.clock = builder.clock;
    this.maximumKeys = builder.maximumKeys;
    this.maximumBytes = builder.maximumBytes;
    this.weigher = new RecordWeigher(builder.maximumKeys, builder.maximumBytes);
    this.cache = Caffeine.newBuilder()
        .maximumWeight(weigher.maximumWeight)
        .weigher(weigher)
        .expireAfter(new EntryExpiry())
        .ticker(() -> epochNanos(clock.instant())) // the store's clock, so that both agree on expiry
        .build();
    this.entries = cache.asMap();
  }

  /**
   * Starts a configuration with the defaults: 100,000 keys, 64 MiB, the system clock.
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

  /**
   * {@inheritDoc} A new claim weighs nothing while its lease runs, so it is never evicted for size; this call
   * also weighs up to {@value #LAPSED_PER_CLAIM} claims of other keys whose lease has passed. Never throws
   * {@link dev.otto.idempotency.IdempotencyStoreException}.
   */
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
        return replace(current, Entry.inProgress(k, fingerprint, owner, now.plus(lease), now.plus(ttl)));
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
      return replace(current, Entry.inProgress(k, fingerprint, owner, now.plus(lease), now.plus(ttl)));
    });
    weighLapsedClaims(LAPSED_PER_CLAIM);
    return result[0];
  }

  /**
   * {@inheritDoc} The completed record replaces the claim, so Caffeine weighs it, with its response, where the
   * claim weighed nothing. A response whose record alone would outweigh the byte bound is not stored: the
   * claim is removed, so a retry runs the request again, a warning is logged, and {@code true} is returned
   * since the owner's claim is finished with. Never throws
   * {@link dev.otto.idempotency.IdempotencyStoreException}.
   */
  @Override
  public boolean complete(String key, String owner, StoredResponse response, Duration ttl) {
    requireKey(key);
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(response, "response");
    requirePositive("ttl", ttl);
    boolean[] completed = new boolean[1];
    long[] notStored = {-1};
    entries.computeIfPresent(key, (k, current) -> {
      Instant now = clock.instant();
      if (current.expired(now)) {
        return replace(current, null);
      }
      if (!current.ownedBy(owner)) {
        return current;
      }
      completed[0] = true;
      Entry done = Entry.completed(k, current.fingerprint, response, now.plus(ttl));
      if (done.bytes > weigher.heaviestRecord) {
        notStored[0] = done.bytes; // stored, it would evict everything else and then itself
        return replace(current, null);
      }
      return replace(current, done);
    });
    if (notStored[0] >= 0) {
      log.warn("A response of {} body bytes, whose record would take an estimated {} bytes of heap, exceeds the "
          + "memory idempotency store's bound of {} bytes: it was sent but not stored, and its idempotency key was "
          + "released, so a retry runs the request again. Raise maximumBytes well above the filter's "
          + "maxStoredBody.", response.bodyLength(), notStored[0], weigher.heaviestRecord);
    }
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
        return replace(current, null);
      }
      if (!current.ownedBy(owner)) {
        return current;
      }
      released[0] = true;
      return replace(current, null);
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
    return "MemoryIdempotencyStore[maximumKeys=" + maximumKeys + ", maximumBytes=" + maximumBytes + ", size~"
        + entries.size() + ", bytes~" + weightedBytes() + "]";
  }

  /** Runs Caffeine's pending maintenance (eviction and expiry included) now; for tests. */
  void cleanUp() {
    cache.cleanUp();
  }

  /** The total weight of the records, as of Caffeine's last maintenance. */
  long weightedBytes() {
    return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }

  /** How many records Caffeine holds, expired ones it has not yet removed included. */
  long estimatedSize() {
    return cache.estimatedSize();
  }

  private static final ClaimResult CLAIMED = new ClaimResult.Claimed();

  /**
   * Keeps {@link #leases} in step when {@code next} takes the place of {@code current} in the compute of their
   * key: the lease of a claim that goes is removed, that of a new claim added.
   *
   * @return {@code next}, for the compute to return
   */
  private @Nullable Entry replace(@Nullable Entry current, @Nullable Entry next) {
    if (current != null && current.lease != null) {
      leases.remove(current.lease);
    }
    if (next != null && next.lease != null) {
      leases.add(next.lease);
    }
    return next;
  }

  /**
   * Weighs up to {@code most} claims whose lease has passed, soonest first, by replacing each with a copy that
   * has no lease: Caffeine weighs an entry again whenever it is written. A claim that was completed, released
   * or taken over meanwhile has lost its lease already and is left as it is.
   */
  private void weighLapsedClaims(int most) {
    // Every lease that ends at or before now sorts before this one: keys are never empty.
    NavigableSet<Lease> lapsed = leases.headSet(new Lease(clock.instant().plusNanos(1), "", ""), false);
    for (int i = 0; i < most; i++) {
      Lease lease = lapsed.pollFirst();
      if (lease == null) {
        return;
      }
      entries.computeIfPresent(lease.key(), (k, current) -> lease.equals(current.lease) ? current.lapsed(k) : current);
    }
  }

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

  /** Nanoseconds since the epoch, saturated where a {@code long} cannot count them. */
  private static long epochNanos(Instant instant) {
    try {
      return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), NANOS_PER_SECOND), instant.getNano());
    } catch (ArithmeticException e) {
      return instant.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * The lease of a claim that weighs nothing: when it ends, and whose it is. Ordered by its end, then its key
   * and owner, so that no two claims' leases are equal.
   */
  private record Lease(Instant end, String key, String owner) implements Comparable<Lease> {

    @Override
    public int compareTo(Lease other) {
      int byEnd = end.compareTo(other.end);
      if (byEnd != 0) {
        return byEnd;
      }
      int byKey = key.compareTo(other.key);
      return byKey != 0 ? byKey : owner.compareTo(other.owner);
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
    /**
     * The lease, in {@link #leases}, of a claim that weighs nothing; {@code null} for a completed record and
     * for a claim whose passed lease has been weighed.
     */
    final @Nullable Lease lease;
    /** Estimated heap this record retains, its key included. */
    final long bytes;

    private Entry(String key, String fingerprint, IdempotencyRecord.State state, @Nullable String owner,
        Instant leaseExpiresAt, Instant expiresAt, @Nullable StoredResponse response, @Nullable Lease lease) {
      this.fingerprint = fingerprint;
      this.state = state;
      this.owner = owner;
      this.leaseExpiresAt = leaseExpiresAt;
      this.expiresAt = expiresAt;
      this.response = response;
      this.lease = lease;
      this.bytes = estimateBytes(key, fingerprint, owner, response);
    }

    static Entry inProgress(String key, String fingerprint, String owner, Instant leaseExpiresAt,
        Instant expiresAt) {
      return new Entry(key, fingerprint, IdempotencyRecord.State.IN_PROGRESS, owner, leaseExpiresAt, expiresAt,
          null, new Lease(leaseExpiresAt, key, owner));
    }

    static Entry completed(String key, String fingerprint, StoredResponse response, Instant expiresAt) {
      return new Entry(key, fingerprint, IdempotencyRecord.State.COMPLETED, null, expiresAt, expiresAt, response,
          null);
    }

    /** This claim, its lease passed, as a record that is weighed (and may be evicted) like a completed one. */
    Entry lapsed(String key) {
      return new Entry(key, fingerprint, state, owner, leaseExpiresAt, expiresAt, response, null);
    }

    private static long estimateBytes(String key, String fingerprint, @Nullable String owner,
        @Nullable StoredResponse response) {
      long bytes = RECORD_OVERHEAD + text(key) + text(fingerprint) + (owner == null ? 0 : text(owner));
      if (response != null) {
        bytes += response.bodyLength();
        for (StoredResponse.Header header : response.headers()) {
          bytes += HEADER_OVERHEAD + text(header.name()) + text(header.value());
        }
      }
      return bytes;
    }

    private static long text(String text) {
      return STRING_OVERHEAD + (long) text.length();
    }

    boolean expired(Instant now) {
      return !now.isBefore(expiresAt);
    }

    boolean ownedBy(String candidate) {
      return state == IdempotencyRecord.State.IN_PROGRESS && candidate.equals(owner);
    }
  }

  /**
   * Weighs records for Caffeine's {@code maximumWeight} so that both bounds hold on one cache (Caffeine cannot
   * combine {@code maximumSize} with {@code maximumWeight}): a claim whose lease runs weighs nothing; any other
   * record weighs its estimated bytes but at least {@code minimumWeight}, and {@code maximumWeight} is
   * {@code maximumBytes} lowered, where needed, below {@code (maximumKeys + 1) × minimumWeight}, so that
   * {@code maximumKeys} light records fit and one more does not.
   */
  private static final class RecordWeigher implements Weigher<String, Entry> {

    /** The total weight Caffeine keeps; at most {@code maximumBytes}. */
    final long maximumWeight;
    /** The most one record may weigh: the whole bound, within what Caffeine's {@code int} weights can say. */
    final long heaviestRecord;
    private final int minimumWeight;

    RecordWeigher(long maximumKeys, long maximumBytes) {
      long perKey = Math.max(1, Math.min(Integer.MAX_VALUE, maximumBytes / maximumKeys));
      this.minimumWeight = (int) perKey;
      this.maximumWeight = Math.min(maximumBytes, keyBound(maximumKeys, perKey));
      this.heaviestRecord = Math.min(maximumWeight, Integer.MAX_VALUE);
    }

    /** {@code maximumKeys × perKey + perKey − 1}, saturating: the largest total that one more record exceeds. */
    private static long keyBound(long maximumKeys, long perKey) {
      if (maximumKeys > (Long.MAX_VALUE - perKey) / perKey) {
        return Long.MAX_VALUE; // then maximumKeys + 1 records of perKey exceed maximumBytes anyway
      }
      return maximumKeys * perKey + perKey - 1;
    }

    /**
     * Nothing for a claim whose lease runs, which Caffeine then never evicts for size. Otherwise at least the
     * minimum weight and at most the whole bound, which only a claim whose lease has passed can reach
     * ({@code complete} does not store a heavier response).
     */
    @Override
    public int weigh(String key, Entry entry) {
      if (entry.lease != null) {
        return 0;
      }
      return (int) Math.min(heaviestRecord, Math.max(minimumWeight, entry.bytes));
    }
  }

  /**
   * Lets Caffeine drop a record once its time to live has passed on the store's clock, which is Caffeine's
   * ticker too (a wall clock stepped back only delays that). Correctness never depends on it: every read
   * checks expiry itself.
   */
  private static final class EntryExpiry implements Expiry<String, Entry> {

    /** Nanoseconds from Caffeine's {@code currentTime} (the store's clock) to the end of the record's life. */
    private static long nanosLeft(Entry entry, long currentTime) {
      try {
        return Math.max(1, Math.subtractExact(epochNanos(entry.expiresAt), currentTime));
      } catch (ArithmeticException e) {
        return Long.MAX_VALUE; // further away than Caffeine can count: never expires by time
      }
    }

    @Override
    public long expireAfterCreate(String key, Entry entry, long currentTime) {
      return nanosLeft(entry, currentTime);
    }

    @Override
    public long expireAfterUpdate(String key, Entry entry, long currentTime, long currentDuration) {
      return nanosLeft(entry, currentTime);
    }

    @Override
    public long expireAfterRead(String key, Entry entry, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }

  /** Configures a {@link MemoryIdempotencyStore}; each setter validates at once. Not thread-safe. */
  public static final class Builder {

    private long maximumKeys = DEFAULT_MAXIMUM_KEYS;
    private long maximumBytes = DEFAULT_MAXIMUM_BYTES;
    private InstantSource clock = InstantSource.system();

    private Builder() {
    }

    /**
     * Sets how many completed records (and claims whose lease has passed) the store holds at most before
     * evicting some, however small they are. Default 100,000. The claims of running requests are not counted:
     * they are never evicted for size (see the class). {@link #maximumBytes maximumBytes} bounds the same
     * records too; whichever is reached first evicts.
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
     * Sets how many bytes of heap the completed records (and claims whose lease has passed) may take, as
     * estimated, before Caffeine evicts some. Default 64 MiB. The claims of running requests weigh nothing and
     * are never evicted for size (see the class).
     *
     * <p>A record weighs an estimate of the heap it retains: its stored response body, the names and values
     * of its stored headers, and for the key, fingerprint, owner, timestamps and object headers about
     * {@value MemoryIdempotencyStore#RECORD_OVERHEAD} bytes plus one byte a character. One byte is what Java's
     * compact strings take for a Latin-1 character, and the filter's hex keys and fingerprints, UUID owners and
     * almost every header value are ASCII; a string with other characters takes two bytes a character, so its
     * record is underestimated by that string's length. It is an estimate for a 64-bit JVM, not a
     * measurement. Every record weighs at least {@code maximumBytes / maximumKeys}, so that the key bound holds
     * as well. A response whose record alone would outweigh this bound is not stored and its key is released,
     * as the filter does for a body above its {@code maxStoredBody}.
     *
     * <p>Why 64 MiB: without a byte bound, 100,000 keys with the filter's default {@code maxStoredBody} of
     * 1 MiB could ask for some 100 GB of heap. 64 MiB is a share a modest heap can spare (an eighth of
     * 512 MiB) and still holds 63 responses of the full 1 MiB, or the whole 100,000 keys as long as records
     * weigh at most 671 bytes each, as the filter's records of a body up to about 130 bytes with a
     * {@code Content-Type} header do (about 540 bytes besides the body). Records of 1 KiB bodies, about
     * 1.5 KiB each, fit some 42,000 times. Raise it with the heap when more large or small responses must be
     * kept within one time to live.
     *
     * @param maximumBytes positive
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder maximumBytes(long maximumBytes) {
      if (maximumBytes <= 0) {
        throw new IllegalArgumentException("maximumBytes must be positive: " + maximumBytes);
      }
      this.maximumBytes = maximumBytes;
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
