package dev.otto.ratelimit;

/**
 * What a fallback limiter decides while the shared store (Redis) is slow or unavailable.
 *
 * <p>The choice is explicit configuration; {@link #FAIL_LOCAL} is the default because it keeps a limit in
 * force (per instance) without failing requests.
 */
public enum FailureMode {

  /** Decide with this instance's local limiter ({@link RateLimitBackend#LOCAL}). The default. */
  FAIL_LOCAL,

  /** Allow every request ({@link RateLimitBackend#NONE}): no limit while degraded. */
  FAIL_OPEN,

  /**
   * Reject every request ({@link RateLimitBackend#NONE}), asking the client to retry after the probe
   * interval: nothing passes unless the shared limit can be checked.
   */
  FAIL_CLOSED
}
