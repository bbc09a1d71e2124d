/**
 * The PostgreSQL idempotency store: one row per key, claimed with {@code INSERT … ON CONFLICT DO NOTHING}
 * in a short transaction of its own, completed and released with statements fenced on the owner token,
 * all timed by the database's clock. Needs only {@code java.sql}; bring a PostgreSQL driver and a pool.
 */
@NullMarked
package dev.otto.idempotency.jdbc;

import org.jspecify.annotations.NullMarked;
