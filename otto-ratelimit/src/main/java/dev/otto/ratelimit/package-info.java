/**
 * Rate limiting: GCRA decisions shared through Redis in one round trip, a bounded local limiter, and a
 * fallback that keeps deciding locally while Redis is slow or gone.
 *
 * <p>This package is the API: {@link dev.otto.ratelimit.RateLimiter}, the immutable
 * {@link dev.otto.ratelimit.RateLimitPolicy} and {@link dev.otto.ratelimit.Limit} it decides under, and the
 * {@link dev.otto.ratelimit.RateLimitDecision} it returns. The back ends live in
 * {@code dev.otto.ratelimit.redis} (shared), {@code dev.otto.ratelimit.local} (per instance) and
 * {@code dev.otto.ratelimit.fallback} (Redis with automatic local fallback and recovery); Micrometer
 * meters in {@code dev.otto.ratelimit.micrometer}.
 */
@NullMarked
package dev.otto.ratelimit;

import org.jspecify.annotations.NullMarked;
