package dev.otto.ratelimit.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.testsupport.Waiting;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The local limiter's default clock, on real time: the bounds are generous because they only need to tell
 * a clock that ticks from one that does not, on a shared and noisy machine.
 */
class TickingClockTest {

  private final Object owner = new Object();

  @Test
  void startsTickingWithTheFirstReadAndFollowsTheSystemClock() {
    // A resolution long enough that the thread is still ticking when the test looks.
    TickingClock clock = new TickingClock(owner, Duration.ofMillis(500));
    assertThat(clock.isTicking()).as("no thread before the first read").isFalse();

    long first = clock.read();
    boolean tickingAfterRead = clock.isTicking();
    assertThat(first).isLessThanOrEqualTo(System.nanoTime());
    assertThat(tickingAfterRead).isTrue();
    Waiting.awaitTrue(Duration.ofSeconds(10), "the clock advances", () -> clock.read() - first >= 10_000_000L);
  }

  @Test
  void neverReadsAheadOfTheSystemClockNorFarBehindIt() {
    TickingClock clock = new TickingClock(owner, Duration.ofMillis(1));
    clock.read();
    long worstLag = 0;
    long end = System.nanoTime() + Duration.ofMillis(200).toNanos();
    int laggingLittle = 0;
    int reads = 0;
    while (System.nanoTime() - end < 0) {
      long read = clock.read();
      long now = System.nanoTime();
      assertThat(read).isLessThanOrEqualTo(now);
      worstLag = Math.max(worstLag, now - read);
      if (now - read <= Duration.ofMillis(20).toNanos()) {
        laggingLittle++;
      }
      reads++;
    }
    assertThat(laggingLittle).as("reads within 20 ms of the system clock (worst lag %d ns)", worstLag)
        .isGreaterThan(reads / 2);
  }

  @Test
  void waitsWhenNobodyReadsAndWakesExactOnTheNextRead() {
    // A resolution long enough that the woken thread is still ticking when the test looks.
    TickingClock clock = new TickingClock(owner, Duration.ofMillis(500));
    clock.read();
    Waiting.awaitTrue(Duration.ofSeconds(10), "the thread waits once reads stop", () -> !clock.isTicking());

    long before = System.nanoTime();
    long read = clock.read();
    boolean tickingAfterRead = clock.isTicking();
    assertThat(read).as("the waking read takes the system clock itself").isBetween(before, System.nanoTime());
    assertThat(tickingAfterRead).as("the read woke the thread").isTrue();
  }

  @Test
  void endsItsThreadOnceTheOwnerIsUnreachable() {
    TickingClock clock = new TickingClock(new Object(), Duration.ofMillis(1));
    clock.read();
    Waiting.awaitTrue(Duration.ofSeconds(20), "the thread ends", () -> {
      System.gc();
      return clock.hasEnded();
    });
    long before = System.nanoTime();
    assertThat(clock.read()).as("exact once the thread is gone").isGreaterThanOrEqualTo(before);
    assertThat(clock.isTicking()).isFalse();
  }

  @Test
  void endsItsThreadWhenClosedAndReadsExactlyFromThenOn() {
    TickingClock clock = new TickingClock(owner, Duration.ofMillis(1));
    clock.read();
    clock.close();
    Waiting.awaitTrue(Duration.ofSeconds(10), "the thread ends", clock::hasEnded);
    assertThat(clock.isTicking()).isFalse();
    long before = System.nanoTime();
    assertThat(clock.read()).isGreaterThanOrEqualTo(before);
    assertThat(clock.isTicking()).as("not woken again").isFalse();
  }

  @Test
  void runsAHandedTaskOnItsOwnThreadAtItsNextTick() {
    // The longest resolution, so that the thread is sure to be ticking when the task is handed over.
    TickingClock clock = new TickingClock(owner, Duration.ofSeconds(1));
    clock.read();
    AtomicReference<String> ranOn = new AtomicReference<>();

    clock.nextTick().execute(() -> ranOn.set(Thread.currentThread().getName()));

    Waiting.awaitTrue(Duration.ofSeconds(10), "the task runs", () -> ranOn.get() != null);
    assertThat(ranOn.get()).isEqualTo("otto-ratelimit-clock");
  }

  @Test
  void runsATaskHandedOverTwiceBeforeTheTickOnce() {
    // The longest resolution: once the thread has ticked, it sleeps while the task is handed over.
    TickingClock clock = new TickingClock(owner, Duration.ofSeconds(1));
    long first = clock.read();
    Waiting.awaitTrue(Duration.ofSeconds(10), "the thread ticks", () -> clock.read() != first);
    AtomicInteger runs = new AtomicInteger();
    Runnable task = runs::incrementAndGet;

    clock.nextTick().execute(task);
    clock.nextTick().execute(task);

    Waiting.awaitTrue(Duration.ofSeconds(10), "the task runs", () -> runs.get() > 0);
    clock.close();
    Waiting.awaitTrue(Duration.ofSeconds(10), "the thread ends", clock::hasEnded);
    assertThat(runs).hasValue(1);
  }

  @Test
  void handsTasksToTheCommonPoolWhileNotTicking() {
    TickingClock clock = new TickingClock(owner, Duration.ofMillis(1));
    AtomicReference<String> ranOn = new AtomicReference<>();

    clock.nextTick().execute(() -> ranOn.set(Thread.currentThread().getName()));

    Waiting.awaitTrue(Duration.ofSeconds(10), "the task runs", () -> ranOn.get() != null);
    assertThat(ranOn.get()).startsWith("ForkJoinPool.commonPool");
    assertThat(clock.isTicking()).as("a task does not start the thread").isFalse();
  }

  @Test
  void runsAPendingTaskWhenClosedBeforeItsTick() {
    TickingClock clock = new TickingClock(owner, Duration.ofSeconds(1));
    clock.read();
    AtomicInteger runs = new AtomicInteger();

    clock.nextTick().execute(runs::incrementAndGet);
    clock.close();

    Waiting.awaitTrue(Duration.ofSeconds(10), "the thread ends", clock::hasEnded);
    assertThat(runs).hasValue(1);
  }

  @Test
  void keepsTickingWhenAHandedTaskFails() {
    TickingClock clock = new TickingClock(owner, Duration.ofSeconds(1));
    clock.read();
    AtomicInteger runs = new AtomicInteger();
    AtomicReference<String> nextRanOn = new AtomicReference<>();

    clock.nextTick().execute(() -> {
      runs.incrementAndGet();
      throw new IllegalStateException("maintenance failed (expected by the test)");
    });
    Waiting.awaitTrue(Duration.ofSeconds(10), "the failing task runs", () -> runs.get() == 1);
    clock.read();
    clock.nextTick().execute(() -> nextRanOn.set(Thread.currentThread().getName()));

    Waiting.awaitTrue(Duration.ofSeconds(10), "the next task runs", () -> nextRanOn.get() != null);
    assertThat(nextRanOn.get()).isEqualTo("otto-ratelimit-clock");
  }

  @Test
  void rejectsAResolutionThatIsNotPositive() {
    assertThatThrownBy(() -> new TickingClock(owner, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("resolution must be positive: PT0S");
  }
}
