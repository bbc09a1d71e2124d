package dev.otto.health;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand, so no test waits for time to pass. Thread-safe. */
public final class FakeClock implements InstantSource {

  private final AtomicLong nanos =
      new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L);

  @Override
  public Instant instant() {
    return Instant.ofEpochSecond(0, nanos.get());
  }

  /** Moves the clock forward. */
  public void advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
  }

  /**
   * Makes the aggregator take its timestamps and also its durations, deadlines and cache ages (the
   * ticker, otherwise {@link System#nanoTime()}) from this clock.
   */
  public ReadinessAggregator.Builder appliedTo(ReadinessAggregator.Builder builder) {
    return builder.clock(this).ticker(nanos::get);
  }
}
