/**
 * The limiter that keeps deciding when Redis is slow or gone: a breaker in front of the Redis limiter that
 * decides locally (or fails open or closed, as configured) while Redis is unavailable, probes it in the
 * background and returns to it on its own.
 */
@NullMarked
package dev.otto.ratelimit.fallback;

import org.jspecify.annotations.NullMarked;
