/**
 * An {@link dev.otto.idempotency.IdempotencyStore} in this JVM's memory, for single-instance services and
 * tests: records are not shared between instances and do not survive a restart.
 */
@NullMarked
package dev.otto.idempotency.memory;

import org.jspecify.annotations.NullMarked;
