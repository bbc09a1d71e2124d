/**
 * The shared limiter: one GCRA script call per decision on Redis through Lettuce. Lettuce types appear only
 * in the builder, where a user may hand over a client or connection.
 */
@NullMarked
package dev.otto.ratelimit.redis;

import org.jspecify.annotations.NullMarked;
