package dev.otto.ratelimit.servlet;

/**
 * What a {@link RateLimitRule} does with a request for which its {@link KeyResolver} finds no key.
 */
public enum MissingKey {

  /** The rule does not limit the request. The default. */
  SKIP,

  /**
   * The request is answered {@code 400} with the problem type
   * {@code https://otto.dev/problems/missing-rate-limit-key}, for example when an API key is mandatory.
   * A shadow rule never rejects, so for it this acts like {@link #SKIP}.
   */
  REJECT,

  /** All requests without a key share one bucket, the key {@code "-"}. */
  SHARED
}
