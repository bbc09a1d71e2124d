package dev.otto.idempotency.memory;

import dev.otto.idempotency.FakeClock;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.IdempotencyStoreContract;
import java.time.Duration;
import java.time.Instant;

/** The memory store, on a fake clock, keeps the contract every store keeps. */
class MemoryIdempotencyStoreContractTest extends IdempotencyStoreContract {

  private final FakeClock clock = new FakeClock();
  private final MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().clock(clock).build();

  @Override
  protected IdempotencyStore store() {
    return store;
  }

  @Override
  protected void passTime(Duration duration) {
    clock.advance(duration);
  }

  @Override
  protected Instant now() {
    return clock.instant();
  }

  @Override
  protected Duration expiryDeadline() {
    return Duration.ZERO; // the fake clock moved: the store must agree at once
  }
}
