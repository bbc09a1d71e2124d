package dev.otto.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.health.CheckResult.Status;
import dev.otto.testsupport.Waiting;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadinessAggregatorTest {

  private static final Duration GENEROUS = Duration.ofSeconds(5);

  private final List<Gate> gates = new ArrayList<>();
  private final List<ReadinessAggregator> aggregators = new ArrayList<>();
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @AfterEach
  void openGatesAndClose() {
    gates.forEach(Gate::open);
    aggregators.forEach(ReadinessAggregator::close);
    pool.shutdownNow();
  }

  private Gate gate() {
    Gate gate = new Gate();
    gates.add(gate);
    return gate;
  }

  private ReadinessAggregator started(ReadinessAggregator.Builder builder) {
    ReadinessAggregator aggregator = builder.build();
    aggregators.add(aggregator);
    aggregator.markStarted();
    return aggregator;
  }

  private static CheckAction counting(AtomicInteger runs) {
    return timeout -> {
      runs.incrementAndGet();
      return null;
    };
  }

  @Test
  void runsChecksInParallelSoTwoHungChecksTimeOutInAboutOneTimeout() {
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .defaultTimeout(Duration.ofMillis(200))
        .check(HealthCheck.of("first", true, gate()))
        .check(HealthCheck.of("second", true, gate())));

    Readiness[] readiness = new Readiness[1];
    Duration took = Waiting.timed(() -> readiness[0] = aggregator.readiness());

    assertThat(took).isLessThan(GENEROUS);
    assertThat(readiness[0].ready()).isFalse();
    assertThat(readiness[0].components().values())
        .extracting(CheckResult::name, CheckResult::status, CheckResult::error)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("first", Status.DOWN, "timed out after 200 ms"),
            org.assertj.core.groups.Tuple.tuple("second", Status.DOWN, "timed out after 200 ms"));
    assertThat(readiness[0].components().get("first").duration()).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void answersWhileACheckHangsForeverAndNeverStartsASecondRunOfIt() throws Exception {
    Gate hung = gate();
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .defaultTimeout(Duration.ofMillis(200))
        .cacheTtl(Duration.ZERO)
        .check(HealthCheck.of("hung", true, hung)));

    Duration first = Waiting.timed(() -> assertThat(aggregator.readiness().ready()).isFalse());
    List<Readiness> later = new ArrayList<>();
    Duration next = Waiting.timed(() -> {
      for (int i = 0; i < 20; i++) {
        later.add(aggregator.readiness());
      }
    });

    assertThat(first).isLessThan(GENEROUS);
    assertThat(next).isLessThan(GENEROUS);
    assertThat(later).allSatisfy(readiness -> {
      assertThat(readiness.ready()).isFalse();
      assertThat(readiness.components().get("hung").error()).isEqualTo("timed out after 200 ms");
    });
    assertThat(hung.runs()).isEqualTo(1);
  }

  @Test
  void runsACheckAgainOnceItsRunThatTimedOutHasEnded() {
    Gate slow = gate();
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .defaultTimeout(Duration.ofMillis(100))
        .cacheTtl(Duration.ZERO)
        .check(HealthCheck.of("slow", true, slow)));
    assertThat(aggregator.readiness().ready()).isFalse();

    slow.open();

    Waiting.awaitTrue(GENEROUS, "a new run is UP", () -> aggregator.readiness().ready());
    assertThat(slow.runs()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void aRunThatAnswersAfterItsTimeoutIsDownWhateverItReturned() {
    FakeClock clock = new FakeClock();
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .defaultTimeout(Duration.ofSeconds(1))
        .check(HealthCheck.of("slow", true, timeout -> {
          clock.advance(Duration.ofMillis(1_500)); // a dependency that always takes 1.5 s
          return Map.of("active", 1);
        })));

    CheckResult result = aggregator.readiness().components().get("slow");

    assertThat(result.status()).isEqualTo(Status.DOWN);
    assertThat(result.error()).isEqualTo("answered after 1500 ms, over the 1000 ms timeout");
    assertThat(result.details()).isEmpty();
  }

  @Test
  void aBackgroundRefreshThatAnswersAfterItsTimeoutIsRecordedDown() {
    FakeClock clock = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    List<CheckResult> recorded = new CopyOnWriteArrayList<>();
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .cacheTtl(Duration.ofSeconds(1))
        .defaultTimeout(Duration.ofSeconds(1))
        .listener(new HealthListener() {
          @Override
          public void onCheckCompleted(CheckResult result) {
            recorded.add(result);
          }
        })
        .check(HealthCheck.of("db", true, timeout -> {
          if (runs.incrementAndGet() > 1) {
            clock.advance(Duration.ofMillis(1_500));
          }
          return null;
        })));
    assertThat(aggregator.readiness().ready()).isTrue();
    clock.advance(Duration.ofMillis(1_500));

    // Answered at once from the last result; no probe waits for the refresh, which answers too late.
    assertThat(aggregator.readiness().ready()).isTrue();
    Waiting.awaitTrue(GENEROUS, "the refresh is recorded", () -> recorded.size() == 2);

    assertThat(recorded.get(1).error()).isEqualTo("answered after 1500 ms, over the 1000 ms timeout");
    assertThat(aggregator.readiness().ready()).isFalse();
  }

  @Test
  void aProbeThatFindsARunInFlightGetsTheLastResultAtOnce() throws Exception {
    FakeClock clock = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch secondRunStarted = new CountDownLatch(1);
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .defaultTimeout(Duration.ofSeconds(30))
        .cacheTtl(Duration.ofSeconds(1))
        .check(HealthCheck.of("db", true, timeout -> {
          if (runs.incrementAndGet() > 1) {
            secondRunStarted.countDown();
            release.await(30, TimeUnit.SECONDS);
          }
          return null;
        })));
    assertThat(aggregator.readiness().ready()).isTrue();
    clock.advance(Duration.ofMillis(1_500)); // past the TTL, within two
    ExecutorService prober = Executors.newSingleThreadExecutor();
    try {
      Future<Readiness> starter = prober.submit(aggregator::readiness);
      assertThat(secondRunStarted.await(10, TimeUnit.SECONDS)).isTrue();

      Readiness meanwhile = aggregator.readiness();

      assertThat(meanwhile.ready()).isTrue();
      assertThat(runs).hasValue(2);
      release.countDown();
      assertThat(starter.get(10, TimeUnit.SECONDS).ready()).isTrue();
    } finally {
      release.countDown();
      prober.shutdownNow();
    }
  }

  @Test
  void reportsAThrowingCheckDownWithAGenericErrorThatLeaksNothing() {
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .check(HealthCheck.of("db", true, timeout -> {
          throw new IllegalStateException("jdbc:postgresql://db.internal:5432 password=hunter2");
        })));

    CheckResult result = aggregator.readiness().components().get("db");

    assertThat(result.status()).isEqualTo(Status.DOWN);
    assertThat(result.error()).isEqualTo("check failed");
    assertThat(result.details()).isEmpty();
  }

  @Test
  void showsTheMessageOfAHealthCheckExceptionButNotItsCause() {
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .check(HealthCheck.of("db", true, timeout -> {
          throw new HealthCheckException("cannot get a connection", new IllegalStateException("password=hunter2"));
        }))
        .check(HealthCheck.of("long", false, timeout -> {
          throw new HealthCheckException("x".repeat(500));
        })));

    Readiness readiness = aggregator.readiness();

    assertThat(readiness.components().get("db").error()).isEqualTo("cannot get a connection");
    assertThat(readiness.components().get("long").error()).hasSize(HealthCheckException.MAX_MESSAGE_LENGTH);
  }

  @Test
  void shortensALongMessageWithoutSplittingACharacterOutsideTheBasicPlane() {
    String message = "x".repeat(HealthCheckException.MAX_MESSAGE_LENGTH - 2) + "\uD83D\uDE00 and more";
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .check(HealthCheck.of("db", true, timeout -> {
          throw new HealthCheckException(message);
        })));

    String shown = aggregator.readiness().components().get("db").error();

    // The cut falls between the two halves of the emoji: it goes whole, never half.
    assertThat(shown).isEqualTo("x".repeat(HealthCheckException.MAX_MESSAGE_LENGTH - 2) + "\u2026");
  }

  @Test
  void aHealthCheckExceptionWithoutAMessageShowsTheGenericErrorAndTheCheckRecovers() {
    FakeClock clock = new FakeClock();
    AtomicBoolean failing = new AtomicBoolean(true);
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .check(HealthCheck.of("blank", true, timeout -> {
          if (failing.get()) {
            throw new HealthCheckException("pool exhausted") {
              @Override
              public String getMessage() {
                return " ";
              }
            };
          }
          return null;
        }))
        .check(HealthCheck.of("null", true, timeout -> {
          if (failing.get()) {
            throw new HealthCheckException("pool exhausted") {
              @Override
              public String getMessage() {
                return null;
              }
            };
          }
          return null;
        })));

    Readiness failed = aggregator.readiness();
    failing.set(false);
    clock.advance(Duration.ofSeconds(10));
    Readiness recovered = aggregator.readiness();

    assertThat(failed.components().values()).extracting(CheckResult::error)
        .containsExactly("check failed", "check failed");
    assertThat(recovered.ready()).isTrue();
  }

  @Test
  void reusesAResultForTheCacheTtlAndRunsTheCheckAgainAfterIt() {
    FakeClock clock = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .cacheTtl(Duration.ofSeconds(1))
        .check(HealthCheck.of("db", true, counting(runs))));

    for (int i = 0; i < 5; i++) {
      aggregator.readiness();
    }
    clock.advance(Duration.ofMillis(999));
    aggregator.readiness();
    assertThat(runs).hasValue(1);

    clock.advance(Duration.ofMillis(1));
    // Past the TTL (but within two) the probe answers at once with the last result and refreshes in the
    // background.
    assertThat(aggregator.readiness().ready()).isTrue();
    Waiting.awaitTrue(Duration.ofSeconds(10), "the background refresh", () -> runs.get() == 2);
    aggregator.readiness();
    assertThat(runs).hasValue(2);
  }

  @Test
  void withinTwoTtlsAProbeAnswersAtOnceWithTheLastResultWhileAHungRefreshRuns() throws Exception {
    FakeClock clock = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    Gate hang = new Gate();
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .cacheTtl(Duration.ofSeconds(1))
        .defaultTimeout(Duration.ofSeconds(1))
        .check(HealthCheck.of("db", true, timeout -> runs.incrementAndGet() == 1 ? null : hang.run(timeout))));
    try {
      assertThat(aggregator.readiness().ready()).isTrue();

      clock.advance(Duration.ofMillis(1_500));
      // The refresh hangs, yet the probe neither waits for it nor reports it before its deadline.
      assertThat(aggregator.readiness().components().get("db").isUp()).isTrue();
      hang.awaitEntered();
      assertThat(aggregator.readiness().components().get("db").isUp()).isTrue();

      clock.advance(Duration.ofSeconds(2));
      assertThat(aggregator.readiness().components().get("db").error()).startsWith("timed out after");
      assertThat(hang.runs()).isEqualTo(1);
    } finally {
      hang.open();
    }
  }

  @Test
  void aProbeLongAfterTheLastOneReportsTheCheckAsItIsNowNotAsItWas() {
    FakeClock clock = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .cacheTtl(Duration.ofSeconds(1))
        .defaultTimeout(GENEROUS)
        .check(HealthCheck.of("db", true, timeout -> {
          if (runs.incrementAndGet() > 1) {
            throw new HealthCheckException("database unreachable");
          }
          return null;
        })));
    assertThat(aggregator.readiness().ready()).isTrue();

    // A load balancer probing every 10 s: the database went away in between.
    clock.advance(Duration.ofSeconds(10));
    Readiness now = aggregator.readiness();

    assertThat(now.ready()).isFalse();
    assertThat(now.components().get("db").error()).isEqualTo("database unreachable");
    assertThat(runs).hasValue(2);
  }

  @Test
  void pastTwoTtlsAProbeThatFindsTheRefreshInFlightWaitsForItToo() throws Exception {
    // Two seldom probers arrive together: the second finds the first one's run in flight and waits
    // for it too, rather than taking the 10-second-old result.
    assertASecondProbeWaitsForTheRunTheFirstStarted(Duration.ofSeconds(1));
  }

  @Test
  void withoutACacheAProbeThatFindsARunInFlightWaitsForItRatherThanTakeTheLastResult() throws Exception {
    assertASecondProbeWaitsForTheRunTheFirstStarted(Duration.ZERO);
  }

  /**
   * Probes once (UP), then, 10 s later, twice at the same moment while the database goes away: both
   * probes must report it gone, the second by waiting for the run the first started.
   */
  private void assertASecondProbeWaitsForTheRunTheFirstStarted(Duration ttl) throws Exception {
    FakeClock clock = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch refreshing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .cacheTtl(ttl)
        .defaultTimeout(GENEROUS)
        .check(HealthCheck.of("db", true, timeout -> {
          if (runs.incrementAndGet() > 1) {
            refreshing.countDown();
            release.await(30, TimeUnit.SECONDS);
            throw new HealthCheckException("database unreachable");
          }
          return null;
        })));
    ExecutorService firstProber = Executors.newSingleThreadExecutor();
    try {
      assertThat(aggregator.readiness().ready()).isTrue();
      clock.advance(Duration.ofSeconds(10));

      Future<Readiness> first = firstProber.submit(aggregator::readiness);
      assertThat(refreshing.await(10, TimeUnit.SECONDS)).isTrue();
      Future<Readiness> second = probeUntilItAnswersOrWaits(aggregator);
      assertThat(second.isDone()).isFalse();

      release.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS).components().get("db").error()).isEqualTo("database unreachable");
      assertThat(second.get(10, TimeUnit.SECONDS).components().get("db").error())
          .isEqualTo("database unreachable");
      assertThat(runs).hasValue(2);
    } finally {
      release.countDown();
      firstProber.shutdownNow();
    }
  }

  /**
   * Probes on a thread of its own and returns once that probe has answered (wrongly, in the tests that use
   * it) or parks waiting for a run, which only the wait for a run does with a timeout.
   */
  private Future<Readiness> probeUntilItAnswersOrWaits(ReadinessAggregator aggregator) {
    AtomicReference<Thread> thread = new AtomicReference<>();
    Future<Readiness> probe = pool.submit(() -> {
      thread.set(Thread.currentThread());
      return aggregator.readiness();
    });
    Waiting.awaitTrue(GENEROUS, "the probe answers or waits for the run", () -> probe.isDone()
        || thread.get() != null && thread.get().getState() == Thread.State.TIMED_WAITING);
    return probe;
  }

  @Test
  void runsACheckForEveryProbeWhenTheTtlIsZero() {
    AtomicInteger runs = new AtomicInteger();
    ReadinessAggregator aggregator = started(new FakeClock().appliedTo(ReadinessAggregator.builder())
        .cacheTtl(Duration.ZERO)
        .check(HealthCheck.of("db", true, counting(runs))));

    for (int i = 0; i < 3; i++) {
      aggregator.readiness();
    }

    assertThat(runs).hasValue(3);
  }

  @Test
  void aProbeStormRunsEachCheckAtMostOncePerTtlWindow() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    Duration ttl = Duration.ofMillis(250);
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .cacheTtl(ttl)
        .check(HealthCheck.of("db", true, counting(runs))));
    ExecutorService probers = Executors.newFixedThreadPool(32);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger notReady = new AtomicInteger();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 32; t++) {
        done.add(probers.submit(() -> {
          start.await();
          for (int i = 0; i < 100; i++) {
            if (!aggregator.readiness().ready()) {
              notReady.incrementAndGet();
            }
          }
          return null;
        }));
      }
      long began = System.nanoTime();
      start.countDown();
      for (Future<?> future : done) {
        future.get(30, TimeUnit.SECONDS);
      }
      long windows = (System.nanoTime() - began) / ttl.toNanos();

      assertThat(notReady).hasValue(0);
      assertThat(runs.get()).isBetween(1, (int) windows + 1);
    } finally {
      probers.shutdownNow();
    }
  }

  @Test
  void aProbeStormWithAHungCheckWaitsForItOnlyOnce() throws Exception {
    Gate hung = gate();
    AtomicInteger healthyRuns = new AtomicInteger();
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .defaultTimeout(Duration.ofMillis(200))
        .check(HealthCheck.of("hung", false, hung))
        .check(HealthCheck.of("healthy", true, counting(healthyRuns))));
    ExecutorService probers = Executors.newFixedThreadPool(16);
    try {
      List<Future<Readiness>> probes = new ArrayList<>();
      long began = System.nanoTime();
      for (int i = 0; i < 16 * 50; i++) {
        probes.add(probers.submit(aggregator::readiness));
      }
      for (Future<Readiness> probe : probes) {
        Readiness readiness = probe.get(30, TimeUnit.SECONDS);
        assertThat(readiness.ready()).isTrue();
        assertThat(readiness.degraded()).isTrue();
      }

      assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(GENEROUS);
      assertThat(hung.runs()).isEqualTo(1);
    } finally {
      probers.shutdownNow();
    }
  }

  @Test
  void aCriticalCheckDownMakesTheServiceNotReady() {
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .check(HealthCheck.of("database", true, timeout -> {
          throw new HealthCheckException("down");
        }))
        .check(HealthCheck.of("redis", false, timeout -> null)));

    Readiness readiness = aggregator.readiness();

    assertThat(readiness.ready()).isFalse();
    assertThat(readiness.degraded()).isFalse();
  }

  @Test
  void onlyNonCriticalChecksDownMakeTheServiceReadyButDegraded() {
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .check(HealthCheck.of("database", true, timeout -> Map.of("active", 1)))
        .check(HealthCheck.of("redis", false, timeout -> {
          throw new HealthCheckException("down");
        })));

    Readiness readiness = aggregator.readiness();

    assertThat(readiness.ready()).isTrue();
    assertThat(readiness.degraded()).isTrue();
    assertThat(readiness.components().keySet()).containsExactly("database", "redis");
    assertThat(readiness.components().get("database").details()).containsEntry("active", 1);
  }

  @Test
  void isNotReadyAndRunsNothingBeforeStartUpCompletes() {
    AtomicInteger runs = new AtomicInteger();
    ReadinessAggregator aggregator = ReadinessAggregator.builder()
        .check(HealthCheck.of("db", true, counting(runs)))
        .build();
    aggregators.add(aggregator);

    Readiness before = aggregator.readiness();
    aggregator.markStarted();
    Readiness after = aggregator.readiness();

    assertThat(before.ready()).isFalse();
    assertThat(before.components()).isEmpty();
    assertThat(after.ready()).isTrue();
    assertThat(runs).hasValue(1);
    assertThat(aggregator.phase()).isEqualTo(ReadinessAggregator.Phase.RUNNING);
  }

  @Test
  void becomesNotReadyAsSoonAsShutdownBeginsAndShowsTheLastResultsWithoutRunning() {
    FakeClock clock = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .check(HealthCheck.of("db", true, counting(runs))));
    assertThat(aggregator.readiness().ready()).isTrue();

    aggregator.markShuttingDown();
    clock.advance(Duration.ofMinutes(1));
    Readiness draining = aggregator.readiness();

    assertThat(draining.ready()).isFalse();
    assertThat(draining.components().get("db").status()).isEqualTo(Status.UP);
    assertThat(runs).hasValue(1);
  }

  @Test
  void markStartedEndsADrainButNothingRestartsAClosedAggregator() {
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder());
    aggregator.markShuttingDown();

    aggregator.markStarted();
    assertThat(aggregator.readiness().ready()).isTrue();

    aggregator.close();
    aggregator.markStarted();
    assertThat(aggregator.readiness().ready()).isFalse();
    assertThat(aggregator.phase()).isEqualTo(ReadinessAggregator.Phase.SHUTTING_DOWN);
  }

  @Test
  void aDrainThatBeginsWhileChecksRunWins() {
    ReadinessAggregator[] self = new ReadinessAggregator[1];
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .check(HealthCheck.of("db", true, timeout -> {
          self[0].markShuttingDown();
          return null;
        })));
    self[0] = aggregator;

    assertThat(aggregator.readiness().ready()).isFalse();
  }

  @Test
  void takesTheTimestampFromTheClockAndDurationsFromTheTicker() {
    FakeClock clock = new FakeClock();
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .check(HealthCheck.of("db", true, timeout -> {
          clock.advance(Duration.ofMillis(40));
          return null;
        })));

    Readiness readiness = aggregator.readiness();

    assertThat(readiness.timestamp()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(readiness.components().get("db").duration()).isEqualTo(Duration.ofMillis(40));
    assertThat(readiness.duration()).isEqualTo(Duration.ofMillis(40));
  }

  @Test
  void anInjectedClockGivesOnlyTheTimestampSoAStepBackLeavesTheCacheAlone() {
    FakeClock wall = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .clock(wall) // for timestamps only: durations and the cache run on System.nanoTime()
        .cacheTtl(Duration.ofMillis(50))
        .check(HealthCheck.of("db", true, counting(runs))));
    assertThat(aggregator.readiness().ready()).isTrue();

    wall.advance(Duration.ofHours(1).negated()); // NTP steps the wall clock back an hour
    Instant stamped = aggregator.readiness().timestamp();

    assertThat(stamped).isEqualTo(Instant.parse("2025-12-31T23:00:00Z"));
    // The cached result ages in real time: the check runs again after its 50 ms, not an hour later.
    Waiting.awaitTrue(GENEROUS, "the check runs again", () -> {
      aggregator.readiness();
      return runs.get() >= 2;
    });
  }

  @Test
  void givesEachCheckItsOwnTimeout() throws Exception {
    Gate hung = gate();
    Duration[] seen = new Duration[1];
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .defaultTimeout(Duration.ofMillis(700))
        .check(HealthCheck.builder("fast").timeout(Duration.ofMillis(50)).action(hung).build())
        .check(HealthCheck.of("default", true, timeout -> {
          seen[0] = timeout;
          return null;
        })));

    Readiness readiness = aggregator.readiness();

    assertThat(readiness.components().get("fast").error()).isEqualTo("timed out after 50 ms");
    assertThat(seen[0]).isEqualTo(Duration.ofMillis(700));
  }

  @Test
  void tellsListenersOfEveryResultAndOfStatusChanges() {
    FakeClock clock = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    List<CheckResult> completed = new CopyOnWriteArrayList<>();
    List<String> changes = new CopyOnWriteArrayList<>();
    ReadinessAggregator aggregator = started(clock.appliedTo(ReadinessAggregator.builder())
        .cacheTtl(Duration.ZERO)
        .listener(new HealthListener() {
          @Override
          public void onCheckCompleted(CheckResult result) {
            throw new IllegalStateException("a broken listener changes nothing");
          }
        })
        .listener(new HealthListener() {
          @Override
          public void onCheckCompleted(CheckResult result) {
            completed.add(result);
          }

          @Override
          public void onStatusChanged(CheckResult previous, CheckResult current) {
            changes.add((previous == null ? "none" : previous.status()) + "->" + current.status());
          }
        })
        .check(HealthCheck.of("db", true, timeout -> {
          if (runs.incrementAndGet() == 2) {
            throw new HealthCheckException("down");
          }
          return null;
        })));

    for (int i = 0; i < 4; i++) {
      assertThat(aggregator.readiness().components()).containsKey("db");
    }

    assertThat(completed).extracting(CheckResult::status)
        .containsExactly(Status.UP, Status.DOWN, Status.UP, Status.UP);
    assertThat(changes).containsExactly("none->UP", "UP->DOWN", "DOWN->UP");
  }

  @Test
  void listenersHearAChecksResultsInTheOrderTheyWereRecorded() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch downBeingTold = new CountDownLatch(1);
    CountDownLatch carryOn = new CountDownLatch(1);
    List<Status> heard = new CopyOnWriteArrayList<>();
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .executor(pool)
        .cacheTtl(Duration.ZERO)
        .defaultTimeout(GENEROUS)
        // Stands in for anything that delays telling the next listener: a log write, a GC pause.
        .listener(new HealthListener() {
          @Override
          public void onCheckCompleted(CheckResult result) {
            if (!result.isUp()) {
              downBeingTold.countDown();
              try {
                carryOn.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
          }
        })
        .listener(new HealthListener() {
          @Override
          public void onCheckCompleted(CheckResult result) {
            heard.add(result.status());
          }
        })
        .check(HealthCheck.of("db", true, timeout -> {
          if (runs.incrementAndGet() == 1) {
            throw new HealthCheckException("down");
          }
          return null;
        })));
    Future<Readiness> first = pool.submit(aggregator::readiness);
    assertThat(downBeingTold.await(10, TimeUnit.SECONDS)).isTrue();

    // While the DOWN is still being told, the check recovers and a second probe records UP.
    Readiness second = aggregator.readiness();
    carryOn.countDown();
    Waiting.awaitTrue(GENEROUS, "both results are told", () -> heard.size() == 2);

    assertThat(second.ready()).isTrue();
    // The last result told is the current one, so a status gauge ends where /ready is.
    assertThat(heard).containsExactly(Status.DOWN, Status.UP);
    assertThat(first.get(10, TimeUnit.SECONDS).ready()).isFalse();
  }

  /** A listener that fails as a metrics listener does when its library is missing at run time. */
  private static HealthListener linkageFailingListener() {
    return new HealthListener() {
      @Override
      public void onCheckCompleted(CheckResult result) {
        throw new NoClassDefFoundError("io/micrometer/core/instrument/Timer");
      }
    };
  }

  @Test
  void aListenerThatThrowsAnErrorAtTheTimeoutDoesNotFailTheProbe() {
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .defaultTimeout(Duration.ofMillis(100))
        .listener(linkageFailingListener())
        .check(HealthCheck.of("db", true, gate())));

    Readiness readiness = aggregator.readiness();

    assertThat(readiness.components().get("db").error()).isEqualTo("timed out after 100 ms");
  }

  @Test
  void aListenerThatThrowsAnErrorOnTheRunThreadDoesNotKeepTheProbeWaiting() {
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .defaultTimeout(Duration.ofSeconds(30))
        .listener(linkageFailingListener())
        .check(HealthCheck.of("db", true, timeout -> null)));

    Readiness[] readiness = new Readiness[1];
    Duration took = Waiting.timed(() -> readiness[0] = aggregator.readiness());

    // Not the 30 s timeout: the run's result reaches the probe although telling the listener failed.
    assertThat(took).isLessThan(GENEROUS);
    assertThat(readiness[0].ready()).isTrue();
  }

  @Test
  void aRunTheExecutorRefusesMakesTheCheckDown() {
    ExecutorService shutDown = Executors.newSingleThreadExecutor();
    shutDown.shutdown();
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
        .executor(shutDown)
        .check(HealthCheck.of("db", true, timeout -> null)));

    CheckResult result = aggregator.readiness().components().get("db");

    assertThat(result.status()).isEqualTo(Status.DOWN);
    assertThat(result.error()).isEqualTo("not run: the health check executor refused it");
  }

  /**
   * An aggregator whose executor's first {@code execute} throws {@code failure} and which afterwards runs
   * tasks on the pool; its check counts its runs in {@code runs}.
   */
  private ReadinessAggregator onAnExecutorFailingOnce(FakeClock clock, Throwable failure, AtomicInteger runs) {
    AtomicBoolean failed = new AtomicBoolean();
    Executor executor = task -> {
      if (!failed.getAndSet(true)) {
        if (failure instanceof Error error) {
          throw error;
        }
        throw (RuntimeException) failure;
      }
      pool.execute(task);
    };
    return started(clock.appliedTo(ReadinessAggregator.builder())
        .executor(executor)
        .check(HealthCheck.of("db", true, counting(runs))));
  }

  @Test
  void anExecutorThatThrowsMakesTheCheckDownWithoutFailingTheProbeAndItRunsAgainLater() {
    FakeClock clock = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    ReadinessAggregator aggregator =
        onAnExecutorFailingOnce(clock, new IllegalStateException("executor not started"), runs);

    CheckResult failed = aggregator.readiness().components().get("db");
    clock.advance(Duration.ofSeconds(10));
    Readiness later = aggregator.readiness();

    assertThat(failed.status()).isEqualTo(Status.DOWN);
    assertThat(failed.error()).isEqualTo("not run: the health check executor failed");
    assertThat(later.ready()).isTrue();
    assertThat(runs).hasValue(1);
  }

  @Test
  void anExecutorThatCannotMakeAThreadFailsThatProbeButLeavesNoRunInFlight() {
    FakeClock clock = new FakeClock();
    AtomicInteger runs = new AtomicInteger();
    ReadinessAggregator aggregator =
        onAnExecutorFailingOnce(clock, new OutOfMemoryError("unable to create native thread"), runs);

    // A VirtualMachineError is not the check's doing, so it propagates, as from a run.
    assertThatThrownBy(aggregator::readiness).isInstanceOf(OutOfMemoryError.class);
    clock.advance(Duration.ofSeconds(10));

    assertThat(aggregator.readiness().ready()).isTrue();
    assertThat(runs).hasValue(1);
  }

  @Test
  void leavesAGivenExecutorRunningOnClose() {
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      ReadinessAggregator aggregator = started(ReadinessAggregator.builder()
          .executor(executor)
          .check(HealthCheck.of("db", true, timeout -> null)));
      assertThat(aggregator.readiness().ready()).isTrue();

      aggregator.close();

      assertThat(executor.isShutdown()).isFalse();
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void isReadyWithoutChecksOnceStarted() {
    ReadinessAggregator aggregator = started(ReadinessAggregator.builder());

    assertThat(aggregator.readiness().ready()).isTrue();
    assertThat(aggregator.checkNames()).isEmpty();
  }

  @Test
  void rejectsDuplicateNamesAndBadSettingsNamingTheValue() {
    ReadinessAggregator.Builder builder = ReadinessAggregator.builder()
        .check(HealthCheck.of("db", true, timeout -> null));

    assertThatThrownBy(() -> builder.check(HealthCheck.of("db", false, timeout -> null)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'db' was added already");
    assertThatThrownBy(() -> builder.defaultTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("defaultTimeout must be positive: PT0S");
    assertThatThrownBy(() -> builder.cacheTtl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cacheTtl must not be negative: PT-1S");
  }
}
