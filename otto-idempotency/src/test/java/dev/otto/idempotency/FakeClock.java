package dev.otto.idempotency;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/** A clock tests move by hand, so no test waits for time to pass. Thread-safe. */
public final class FakeClock implements InstantSource {

  private final AtomicLong nanos;

  /** Starts at the current real time, so instants look plausible next to real ones. */
  public FakeClock() {
    Instant start = Instant.now();
    nanos = new AtomicLong(start.getEpochSecond() * 1_000_000_000L + start.getNano());
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochSecond(0, nanos.get());
  }

  /** Moves the clock forward. */
  public void advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
  }
}
