/**
 * Memory benchmark: a flood of distinct client keys through Otto's local rate limiter and its in-memory
 * idempotency store ({@link dev.otto.benchmarks.memory.KeyFloodBenchmark}, run by
 * {@code benchmarks/run-memory.sh}), showing that the heap they hold is bounded by their maximum number of
 * keys, not by the number of keys seen.
 */
@NullMarked
package dev.otto.benchmarks.memory;

import org.jspecify.annotations.NullMarked;
