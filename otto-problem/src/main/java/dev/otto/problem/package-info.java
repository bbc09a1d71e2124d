/**
 * RFC 9457 problem details: the immutable {@link dev.otto.problem.Problem} value and its
 * {@code application/problem+json} form.
 */
@NullMarked
package dev.otto.problem;

import org.jspecify.annotations.NullMarked;
