/**
 * The servlet filter that makes requests idempotent: {@link dev.otto.idempotency.servlet.IdempotencyFilter}
 * with its {@link dev.otto.idempotency.servlet.IdempotencyRule rules}.
 */
@NullMarked
package dev.otto.idempotency.servlet;

import org.jspecify.annotations.NullMarked;
