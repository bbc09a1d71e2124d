/**
 * Micrometer metrics for the component switches. This package is only usable when Micrometer is on the
 * classpath; nothing else in Otto's core module refers to it.
 */
@NullMarked
package dev.otto.core.micrometer;

import org.jspecify.annotations.NullMarked;
