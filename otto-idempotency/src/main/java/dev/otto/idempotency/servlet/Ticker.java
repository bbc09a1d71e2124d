package dev.otto.idempotency.servlet;

/**
 * A source of nanoseconds for measuring store latency; the one place the filter reads
 * {@link System#nanoTime()}, so tests can measure with a ticker they move.
 */
@FunctionalInterface
interface Ticker {

  /** Reads {@link System#nanoTime()}. */
  Ticker SYSTEM = System::nanoTime;

  /** Returns a monotonic time in nanoseconds, only meaningful as a difference. */
  long read();
}
