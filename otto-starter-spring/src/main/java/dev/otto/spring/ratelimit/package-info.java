/**
 * Auto-configuration of rate limiting: the limiter (Redis with in-memory fallback when {@code otto.redis.url}
 * is set, in-memory otherwise), policies from {@code otto.ratelimit.policies.*} and the filter.
 */
@NullMarked
package dev.otto.spring.ratelimit;

import org.jspecify.annotations.NullMarked;
