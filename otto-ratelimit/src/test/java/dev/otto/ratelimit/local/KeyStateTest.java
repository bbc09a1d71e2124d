package dev.otto.ratelimit.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitDecision;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The atomic add of {@link KeyState} when requests interleave: each case plays a request held up between
 * its read of the TAT and its add, which concurrent tests only hit by chance.
 */
class KeyStateTest {

  /** 100 per 100 s in bursts of 100: T = 1 s, τ = 100 s, so a fresh key is far enough from its limit. */
  private static final Limit LIMIT = new Limit(100, Duration.ofSeconds(100), 100);
  private static final long T = LIMIT.emissionIntervalMicros();
  private static final long NOW = 1_700_000_000_000_000L;

  private final KeyState state = new KeyState("p", List.of(LIMIT));

  @Test
  void chargesARequestHeldUpWhileOthersChargedOnceEach() {
    allow(1);
    long read = state.currentTats()[0];
    allow(1);

    RateLimitDecision late = state.tryAcquireHavingRead(read, NOW, 1);

    assertThat(late).isNotNull();
    assertThat(late.allowed()).isTrue();
    assertThat(late.remaining()).isEqualTo(97);
    assertThat(late.resetAfter()).isEqualTo(Duration.ofSeconds(3));
    assertThat(state.currentTats()).containsExactly(NOW + 3 * T);
  }

  @Test
  void keepsTheAddOfARequestHeldUpWhileOthersTookTheLastPermitsAndNeverGrantsIt() {
    allow(1);
    long read = state.currentTats()[0];
    assertThat(allow(1_000)).as("the rest of the burst").isEqualTo(99);

    RateLimitDecision late = state.tryAcquireHavingRead(read, NOW, 1);

    assertThat(late).as("decided again, not granted").isNull();
    assertThat(state.currentTats()).as("the add is kept, never given back").containsExactly(NOW + 101 * T);
    RateLimitDecision again = state.tryAcquire(NOW, 1);
    assertThat(again).isNotNull();
    assertThat(again.allowed()).isFalse();
    assertThat(again.remaining()).isZero();
    assertThat(again.retryAfter()).as("one permit wasted").isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void decidesAHeldUpRequestAtTheTimeItArrivedAndCostsTheOthersOnePermitAtMost() {
    allow(1);
    long read = state.currentTats()[0];
    long later = NOW + 50 * T;
    assertThat(allow(60, later)).isEqualTo(60);

    // By its own time (50 s before the others) the held-up request finds the key beyond its limit; at
    // theirs it would have been allowed, but a request is decided at the time it arrived.
    assertThat(state.tryAcquireHavingRead(read, NOW, 1)).isNull();
    assertThat(allow(1_000, later)).as("40 left but for the wasted permit").isEqualTo(39);
  }

  /** Asks for up to {@code requests} permits at {@link #NOW}, one at a time, and counts those allowed. */
  private int allow(int requests) {
    return allow(requests, NOW);
  }

  private int allow(int requests, long now) {
    int allowed = 0;
    for (int i = 0; i < requests; i++) {
      RateLimitDecision decision = state.tryAcquire(now, 1);
      assertThat(decision).isNotNull();
      if (decision.allowed()) {
        allowed++;
      }
    }
    return allowed;
  }
}
