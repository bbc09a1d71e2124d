/**
 * Readiness benchmark: a small Spring Boot app ({@link dev.otto.benchmarks.readiness.ReadinessBenchmarkApp})
 * with one slow dependency seen both by Otto's {@code /ready} and by Actuator's readiness group, loaded with
 * {@code wrk} by {@code benchmarks/run-readiness.sh}.
 */
@NullMarked
package dev.otto.benchmarks.readiness;

import org.jspecify.annotations.NullMarked;
