/**
 * The in-memory limiter: the same GCRA decisions as the Redis limiter, kept per instance in a bounded
 * Caffeine cache. Used on its own for single-instance services and by the fallback while Redis is
 * unavailable.
 */
@NullMarked
package dev.otto.ratelimit.local;

import org.jspecify.annotations.NullMarked;
