/**
 * Micrometer meters for the idempotency filter and its store. Optional: needs {@code micrometer-core} on
 * the class path, which the rest of the module does not.
 */
@NullMarked
package dev.otto.idempotency.micrometer;

import org.jspecify.annotations.NullMarked;
