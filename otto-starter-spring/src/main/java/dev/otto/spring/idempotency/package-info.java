/**
 * Auto-configuration of idempotency keys: the store chosen by {@code otto.idempotency.store} (memory,
 * redis or jdbc), routes from {@code otto.idempotency.routes.*}, the filter, metrics and the scheduled
 * cleanup of expired rows in PostgreSQL.
 */
@NullMarked
package dev.otto.spring.idempotency;

import org.jspecify.annotations.NullMarked;
