/**
 * Rate-limiter benchmarks: Otto's Redis limiter against Bucket4j's Lettuce back end and the raw
 * {@code redis-benchmark} ceiling, the commands per decision each needs, and Otto's local limiter against a
 * bare Caffeine lookup. {@code benchmarks/run-ratelimit.sh} runs them all and {@link
 * dev.otto.benchmarks.ratelimit.RateLimitSection} turns the run into a section of {@code RESULTS.md}.
 */
@NullMarked
package dev.otto.benchmarks.ratelimit;

import org.jspecify.annotations.NullMarked;
