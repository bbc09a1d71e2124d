/**
 * Micrometer metrics for problem responses. This package is only usable when Micrometer is on the
 * classpath; nothing else in Otto's problem module refers to it.
 */
@NullMarked
package dev.otto.problem.micrometer;

import org.jspecify.annotations.NullMarked;
