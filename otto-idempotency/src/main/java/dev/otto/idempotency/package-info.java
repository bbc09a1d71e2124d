/**
 * Idempotency keys: a request's side effects run once however often it is retried, with the first
 * response replayed byte for byte to every retry.
 */
@NullMarked
package dev.otto.idempotency;

import org.jspecify.annotations.NullMarked;
