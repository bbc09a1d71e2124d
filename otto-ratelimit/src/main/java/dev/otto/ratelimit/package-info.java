/**
 * Rate limiting: GCRA decisions shared through Redis in one round trip, a bounded local limiter, and a
 * fallback that keeps deciding locally while Redis is slow or gone.
 */
@NullMarked
package dev.otto.ratelimit;

import org.jspecify.annotations.NullMarked;
