package dev.otto.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A named set of limits checked together: a request passes only if every {@link Limit} allows it, and then
 * all of them are charged (all-or-nothing).
 *
 * <pre>{@code
 * RateLimitPolicy api = RateLimitPolicy.builder("api")
 *     .limit(10, Duration.ofSeconds(1))       // 10/s, bursts of 10
 *     .limit(1000, Duration.ofHours(1))       // and 1000/h
 *     .build();
 * RateLimitPolicy login = RateLimitPolicy.of("login", 5, Duration.ofMinutes(1));
 * }</pre>
 *
 * <p>The name identifies the policy's state in every back end and appears in the {@code RateLimit} header
 * fields and metric tags, so it is restricted to 1–64 characters of {@code [A-Za-z0-9._-]} and policies
 * with different limits must have different names (the servlet {@code RateLimitFilter} refuses rules that
 * give one name different limits). The one exception is a fallback limiter's degraded policy, which keeps
 * the name on purpose and is meant for a local limiter of the fallback's own.
 *
 * <p>Immutable and thread-safe; equal when name and limits are equal.
 */
public final class RateLimitPolicy {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** Shortest period first, then smallest quota: the order ties between limits are resolved in. */
  private static final Comparator<Limit> ORDER =
      Comparator.comparing(Limit::period).thenComparingLong(Limit::quota).thenComparingLong(Limit::burst);

  private final String name;
  private final List<Limit> limits;
  private final long maxPermits;
  /** Back ends look policies up per decision; the hash of name and limits is worth computing once. */
  private final int hash;

  private RateLimitPolicy(String name, List<Limit> limits) {
    this.name = name;
    List<Limit> sorted = new ArrayList<>(limits);
    sorted.sort(ORDER);
    this.limits = List.copyOf(sorted);
    this.maxPermits = this.limits.stream().mapToLong(Limit::burst).min().orElseThrow();
    this.hash = 31 * name.hashCode() + this.limits.hashCode();
  }

  /**
   * Starts a policy.
   *
   * @param name 1–64 characters of {@code [A-Za-z0-9._-]}
   * @return a new builder; not thread-safe
   * @throws IllegalArgumentException naming the bad name
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Returns a policy with one limit whose burst equals its quota.
   *
   * @param name 1–64 characters of {@code [A-Za-z0-9._-]}
   * @param quota requests per period, at least 1
   * @param period the window, at least 1 ms
   * @return the policy
   * @throws IllegalArgumentException naming the bad value
   */
  public static RateLimitPolicy of(String name, long quota, Duration period) {
    return builder(name).limit(quota, period).build();
  }

  /**
   * Returns the policy's name.
   *
   * @return the name, 1–64 characters of {@code [A-Za-z0-9._-]}
   */
  public String name() {
    return name;
  }

  /**
   * Returns the limits, shortest period first (then smallest quota); a decision's tie between two limits
   * goes to the earlier one in this list.
   *
   * @return an unmodifiable, non-empty list
   */
  public List<Limit> limits() {
    return limits;
  }

  /**
   * Returns the most permits a single request may ask for: the smallest burst of the policy's limits.
   *
   * @return at least 1
   */
  public long maxPermits() {
    return maxPermits;
  }

  /**
   * Checks a request's permit count against this policy; every limiter calls it before deciding.
   *
   * @param permits the permits a request asks for
   * @return {@code permits}
   * @throws IllegalArgumentException naming the value when it is below 1 or above {@link #maxPermits()}
   */
  public int requirePermits(int permits) {
    if (permits < 1 || permits > maxPermits) {
      throw new IllegalArgumentException("permits must be between 1 and " + maxPermits
          + " (the smallest burst of policy '" + name + "'): " + permits);
    }
    return permits;
  }

  /**
   * Returns the identifier of the state this policy keeps for {@code key}: {@code name + ":" + key}, where a
   * key that is longer than 256 characters, contains {@code '{'}, {@code '}'} or an unpaired surrogate, or
   * starts with {@code "sha256:"} is replaced by {@code "sha256:"} and the hex SHA-256 of its UTF-8 bytes
   * (an unpaired surrogate encoded like any other character, as in WTF-8). Back ends store state under this
   * identifier, so key material held in Redis or in memory is bounded whatever a client sends, a client's
   * key cannot choose its Redis Cluster hash tag, and distinct keys never share state. Two policies with the
   * same name share state for the same key.
   *
   * @param key the caller's key (client IP, API key, user id, …), any content
   * @return the bounded identifier, at most 321 characters
   */
  public String storageKey(String key) {
    Objects.requireNonNull(key, "key");
    return name + ':' + StorageKeys.normalize(key);
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other == this || other instanceof RateLimitPolicy that && hash == that.hash && name.equals(that.name)
        && limits.equals(that.limits);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "RateLimitPolicy[name=" + name + ", limits=" + limits + "]";
  }

  /**
   * Collects the limits of a {@link RateLimitPolicy}. Each method validates its argument at once. Not
   * thread-safe; build once and share the immutable policy.
   */
  public static final class Builder {

    private final String name;
    private final List<Limit> limits = new ArrayList<>();

    private Builder(String name) {
      Objects.requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "policy name must be 1-64 characters of [A-Za-z0-9._-]: '" + name + "'");
      }
      this.name = name;
    }

    /**
     * Adds a limit whose burst equals its quota.
     *
     * @param quota requests per period, at least 1
     * @param period the window, at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException naming the bad value, or when the policy already has this quota and
     *     period
     */
    public Builder limit(long quota, Duration period) {
      return limit(new Limit(quota, period, quota));
    }

    /**
     * Adds a limit.
     *
     * @param quota requests per period, at least 1
     * @param period the window, at least 1 ms
     * @param burst requests allowed at once, at least 1
     * @return this builder
     * @throws IllegalArgumentException naming the bad value, or when the policy already has this quota and
     *     period
     */
    public Builder limit(long quota, Duration period, long burst) {
      return limit(new Limit(quota, period, burst));
    }

    /**
     * Adds a limit.
     *
     * @param limit the band to add
     * @return this builder
     * @throws IllegalArgumentException when the policy already has a limit with this quota and period (periods
     *     compared in whole microseconds)
     */
    public Builder limit(Limit limit) {
      Objects.requireNonNull(limit, "limit");
      for (Limit existing : limits) {
        // Compared as the back ends see them: a limit's state is keyed by quota and whole microseconds
        // (Redis: <quota>:<periodMicros>), so periods that differ only below a microsecond are one limit.
        if (existing.quota() == limit.quota() && existing.periodMicros() == limit.periodMicros()) {
          String alias = existing.period().equals(limit.period())
              ? "" : " (" + limit.period() + " is the same period in whole microseconds)";
          throw new IllegalArgumentException("policy '" + name + "' already has a limit of " + limit.quota()
              + " per " + existing.period() + alias + "; each quota and period may appear once");
        }
      }
      limits.add(limit);
      return this;
    }

    /**
     * Freezes the policy.
     *
     * @return the immutable policy
     * @throws IllegalStateException when no limit was added
     */
    public RateLimitPolicy build() {
      if (limits.isEmpty()) {
        throw new IllegalStateException("policy '" + name + "' needs at least one limit; call limit(quota, period)");
      }
      return new RateLimitPolicy(name, limits);
    }
  }
}
