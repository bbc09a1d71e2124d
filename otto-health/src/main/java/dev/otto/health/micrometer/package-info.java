/**
 * Optional Micrometer instrumentation for health checks. Only this package refers to Micrometer, which is
 * an optional dependency: the rest of the module works without it on the class path.
 */
@NullMarked
package dev.otto.health.micrometer;

import org.jspecify.annotations.NullMarked;
