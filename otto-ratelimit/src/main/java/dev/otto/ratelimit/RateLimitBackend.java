package dev.otto.ratelimit;

/**
 * The store that made a {@link RateLimitDecision}.
 *
 * <p>The {@linkplain #tagValue() tag value} is the low-cardinality value Otto uses for the {@code backend}
 * metric tag and in logs.
 */
public enum RateLimitBackend {

  /** Decided by the shared GCRA script in Redis: the limit holds across all instances. */
  REDIS("redis"),

  /** Decided by this instance's in-memory limiter: the limit holds per instance. */
  LOCAL("local"),

  /**
   * Decided without any store: a fail-open or fail-closed decision made while the shared store was
   * unavailable (see {@link FailureMode}).
   */
  NONE("none");

  private final String tagValue;

  RateLimitBackend(String tagValue) {
    this.tagValue = tagValue;
  }

  /**
   * Returns the lower-case metric tag value: {@code "redis"}, {@code "local"} or {@code "none"}.
   *
   * @return the tag value, never blank
   */
  public String tagValue() {
    return tagValue;
  }
}
