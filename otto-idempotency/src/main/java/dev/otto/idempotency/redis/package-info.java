/**
 * The Redis idempotency store: one hash per key, every operation one Lua script call doing an owner-token
 * compare-and-set on Redis server time, through Lettuce. Lettuce types appear only in the builder, where a
 * user may hand over a client or connection; Lettuce is an optional dependency of otto-idempotency, so add
 * {@code io.lettuce:lettuce-core} to use this store.
 */
@NullMarked
package dev.otto.idempotency.redis;

import org.jspecify.annotations.NullMarked;
