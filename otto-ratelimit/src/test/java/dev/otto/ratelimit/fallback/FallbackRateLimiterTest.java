package dev.otto.ratelimit.fallback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.ratelimit.FailureMode;
import dev.otto.ratelimit.FakeClock;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitListener;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiterUnavailableException;
import dev.otto.ratelimit.local.LocalRateLimiter;
import dev.otto.ratelimit.micrometer.RateLimiterMetrics;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import dev.otto.testsupport.RedisServerProcess;
import dev.otto.testsupport.Waiting;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How the fallback limiter decides while Redis is unreachable. Redis here is a port whose server was killed,
 * so every call fails at once with "connection refused"; the fault tests cover hanging and returning Redis.
 */
class FallbackRateLimiterTest {

  private static RedisServerProcess deadServer;
  private static RedisRateLimiter deadRedis;

  private final RateLimitPolicy policy = RateLimitPolicy.of("api", 2, Duration.ofHours(1));
  private final FakeClock clock = new FakeClock();
  private final RecordingListener listener = new RecordingListener();

  @BeforeAll
  static void killRedis() {
    deadServer = RedisServerProcess.start();
    deadServer.kill();
    deadRedis = RedisRateLimiter.builder().uri(deadServer.uri()).build();
  }

  @AfterAll
  static void cleanUp() {
    deadRedis.close();
    deadServer.close();
  }

  private FallbackRateLimiter.Builder fallback() {
    return FallbackRateLimiter.builder().primary(deadRedis).clock(clock).listener(listener);
  }

  @Test
  void decidesLocallyFromTheFirstFailureAndOpensAfterTheThreshold() {
    assertThatThrownBy(() -> deadRedis.tryAcquire("k", policy)).isInstanceOf(RateLimiterUnavailableException.class);
    try (FallbackRateLimiter limiter = fallback().failureThreshold(3).build()) {
      RateLimitDecision first = limiter.tryAcquire("k", policy);
      RateLimitDecision second = limiter.tryAcquire("k", policy);
      assertThat(limiter.isDegraded()).isFalse();
      assertThat(listener.engaged).isEmpty();

      RateLimitDecision third = limiter.tryAcquire("k", policy);
      assertThat(limiter.isDegraded()).isTrue();
      awaitEngaged();
      assertThat(listener.engaged).singleElement().isInstanceOf(RateLimiterUnavailableException.class);

      assertThat(first.backend()).isEqualTo(RateLimitBackend.LOCAL);
      assertThat(first.allowed()).isTrue();
      assertThat(second.allowed()).isTrue();
      assertThat(third.allowed()).isFalse();
      assertThat(third.backend()).isEqualTo(RateLimitBackend.LOCAL);
      assertThat(limiter.tryAcquire("k", policy).backend()).isEqualTo(RateLimitBackend.LOCAL);
      assertThat(listener.engaged).hasSize(1);
    }
  }

  @Test
  void decidesLocallyOnTheAsynchronousPathToo() throws Exception {
    try (FallbackRateLimiter limiter = fallback().failureThreshold(1).build()) {
      RateLimitDecision decision = limiter.tryAcquireAsync("k", policy, 2).toCompletableFuture().get(5, TimeUnit.SECONDS);
      assertThat(decision.allowed()).isTrue();
      assertThat(decision.backend()).isEqualTo(RateLimitBackend.LOCAL);
      assertThat(limiter.isDegraded()).isTrue();
      assertThat(limiter.tryAcquireAsync("k", policy, 1).toCompletableFuture().get().allowed()).isFalse();
    }
  }

  @Test
  void appliesTheLocalPolicyWhileDegraded() {
    RateLimitPolicy perInstance = RateLimitPolicy.of("api", 1, Duration.ofHours(1));
    try (FallbackRateLimiter limiter = fallback().localPolicy(p -> perInstance).build()) {
      assertThat(limiter.tryAcquire("k", policy).allowed()).isTrue();
      RateLimitDecision second = limiter.tryAcquire("k", policy);
      assertThat(second.allowed()).isFalse();
      assertThat(second.limit()).isEqualTo(perInstance.limits().get(0));
      assertThat(limiter.appliedPolicy(policy, second)).as("what headers advertise").isSameAs(perInstance);

      RateLimitDecision tooMany = limiter.tryAcquire("other", policy, 2);
      assertThat(tooMany.allowed()).as("more permits than the local policy's burst").isFalse();
      assertThat(tooMany.backend()).isEqualTo(RateLimitBackend.LOCAL);
    }
  }

  @Test
  void usesTheLocalLimiterItWasGiven() {
    LocalRateLimiter local = LocalRateLimiter.builder().clock(clock).build();
    local.tryAcquire("k", policy, 2);
    try (FallbackRateLimiter limiter = fallback().local(local).build()) {
      assertThat(limiter.tryAcquire("k", policy).allowed()).isFalse();
    }
  }

  @Test
  void allowsEverythingWithoutAStoreWhenFailingOpen() {
    try (FallbackRateLimiter limiter = fallback().failureMode(FailureMode.FAIL_OPEN).failureThreshold(1).build()) {
      for (int i = 0; i < 5; i++) {
        RateLimitDecision decision = limiter.tryAcquire("k", policy);
        assertThat(decision.allowed()).isTrue();
        assertThat(decision.backend()).isEqualTo(RateLimitBackend.NONE);
        assertThat(decision.remaining()).isEqualTo(1);
        assertThat(decision.retryAfter()).isZero();
      }
      assertThat(limiter.isDegraded()).isTrue();
    }
  }

  @Test
  void rejectsEverythingUntilTheNextProbeWhenFailingClosed() {
    try (FallbackRateLimiter limiter = fallback().failureMode(FailureMode.FAIL_CLOSED)
        .probeInterval(Duration.ofSeconds(2)).build()) {
      for (int i = 0; i < 5; i++) {
        RateLimitDecision decision = limiter.tryAcquire("k", policy);
        assertThat(decision.allowed()).isFalse();
        assertThat(decision.backend()).isEqualTo(RateLimitBackend.NONE);
        assertThat(decision.retryAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(decision.retryAfterSeconds()).isEqualTo(2);
      }
    }
  }

  @Test
  void showsNoDecisionUnderBackendNoneWhenFailingLocally() {
    assertThat(decisionsWithoutRedis(FailureMode.FAIL_LOCAL).find("otto.ratelimit.decisions")
        .tag("backend", "none").counters()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(value = FailureMode.class, names = {"FAIL_OPEN", "FAIL_CLOSED"})
  void countsEveryDecisionUnderBackendNoneWhenFailingOpenOrClosed(FailureMode failureMode) {
    assertThat(decisionsWithoutRedis(failureMode).find("otto.ratelimit.decisions").tag("backend", "none").counters())
        .singleElement().satisfies(counter -> assertThat(counter.count()).isEqualTo(3));
  }

  /** Three decisions (the policy allows two) while Redis is down, counted as the rate-limit filter counts them. */
  private MeterRegistry decisionsWithoutRedis(FailureMode failureMode) {
    MeterRegistry registry = new SimpleMeterRegistry();
    RateLimiterMetrics metrics = new RateLimiterMetrics();
    metrics.bindTo(registry);
    try (FallbackRateLimiter limiter = fallback().failureMode(failureMode).listener(metrics).build()) {
      for (int i = 0; i < 3; i++) {
        metrics.recordDecision(policy, limiter.tryAcquire("k", policy));
      }
    }
    return registry;
  }

  @Test
  void keepsDecidingWhenAListenerThrows() {
    try (FallbackRateLimiter limiter =
        fallback().listener(FailingListener.throwingAnException()).failureThreshold(1).build()) {
      assertThat(limiter.tryAcquire("k", policy).backend()).isEqualTo(RateLimitBackend.LOCAL);
      assertThat(limiter.isDegraded()).isTrue();
      awaitEngaged();
    }
  }

  @Test
  void aListenerErrorNeverReachesTheRequestThatOpenedTheBreaker() {
    ScheduledExecutorService shutDown = new ScheduledThreadPoolExecutor(1);
    shutDown.shutdown(); // so the change is told on the request's thread
    try (FallbackRateLimiter limiter = FallbackRateLimiter.builder().primary(deadRedis).clock(clock)
        .listener(FailingListener.throwingAnError()).listener(listener).scheduler(shutDown).failureThreshold(1).build()) {
      assertThat(limiter.tryAcquire("k", policy).backend()).isEqualTo(RateLimitBackend.LOCAL);
      assertThat(limiter.isDegraded()).isTrue();
      assertThat(listener.engaged).as("the listeners after the failing one").hasSize(1);
    }
  }

  @Test
  void tellsOfTheOutageOnTheProbeThreadNotOnTheRequestThatOpenedTheBreaker() {
    List<String> threads = new CopyOnWriteArrayList<>();
    RateLimitListener naming = new RateLimitListener() {
      @Override
      public void onFallbackEngaged(Throwable cause) {
        threads.add(Thread.currentThread().getName());
      }
    };
    try (FallbackRateLimiter limiter = fallback().listener(naming).failureThreshold(1).build()) {
      assertThat(limiter.tryAcquire("k", policy).backend()).isEqualTo(RateLimitBackend.LOCAL);
      awaitEngaged();
      assertThat(threads).containsExactly("otto-ratelimit-probe");
    }
  }

  private void awaitEngaged() {
    Waiting.awaitTrue(Duration.ofSeconds(5), "the listener told of the outage", () -> !listener.engaged.isEmpty());
    assertThat(listener.engaged).hasSize(1);
  }

  @Test
  void stillRejectsInvalidPermits() {
    try (FallbackRateLimiter limiter = fallback().build()) {
      assertThatThrownBy(() -> limiter.tryAcquire("k", policy, 3))
          .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith(": 3");
    }
  }

  @Test
  void shutsDownOnlyTheSchedulerItCreated() {
    ScheduledExecutorService own = new ScheduledThreadPoolExecutor(1);
    try {
      FallbackRateLimiter limiter = fallback().scheduler(own).failureThreshold(1).build();
      limiter.tryAcquire("k", policy);
      limiter.close();
      assertThat(own.isShutdown()).isFalse();
      assertThat(limiter.tryAcquire("k", policy).backend()).isEqualTo(RateLimitBackend.LOCAL);
    } finally {
      own.shutdownNow();
    }
  }

  @Test
  void aLimiterClosedWhileDegradedNoLongerShowsAsActiveInTheMetrics() {
    MeterRegistry registry = new SimpleMeterRegistry();
    RateLimiterMetrics metrics = new RateLimiterMetrics();
    metrics.bindTo(registry);
    FallbackRateLimiter limiter = fallback().listener(metrics).failureThreshold(1).build();
    limiter.tryAcquire("k", policy);
    awaitEngaged();
    // The metrics are told after the recording listener, on the probe thread.
    Waiting.awaitTrue(Duration.ofSeconds(5), "the gauge at 1 while degraded",
        () -> registry.get("otto.ratelimit.fallback.active").gauge().value() == 1);

    limiter.close();

    Waiting.awaitTrue(Duration.ofSeconds(5), "the gauge back at 0 after close",
        () -> registry.get("otto.ratelimit.fallback.active").gauge().value() == 0);
    assertThat(registry.get("otto.ratelimit.fallback.transitions").tag("state", "recovered").counter().count())
        .as("a close is no recovery").isZero();
    assertThat(listener.recovered).isEmpty();
    assertThat(listener.closed).hasSize(1);
    assertThat(listener.threads).as("told on the probe thread, after the outage")
        .containsExactly("otto-ratelimit-probe", "otto-ratelimit-probe");
    assertThat(limiter.tryAcquire("k", policy).backend()).as("decisions after close stay local")
        .isEqualTo(RateLimitBackend.LOCAL);
  }

  @Test
  void aLimiterClosedOnRedisTellsNothing() throws Exception {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    try {
      fallback().scheduler(scheduler).build().close();
      scheduler.shutdown();
      assertThat(scheduler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
      assertThat(listener.threads).isEmpty();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void anOutageTheLimiterWasClosedBeforeTellingIsNeverTold() throws Exception {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      scheduler.execute(() -> awaitQuietly(release)); // holds back the announcement of the outage
      FallbackRateLimiter limiter = fallback().scheduler(scheduler).failureThreshold(1).build();
      limiter.tryAcquire("k", policy);
      limiter.close();
      release.countDown();
      scheduler.shutdown();
      assertThat(scheduler.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

      assertThat(listener.engaged).as("nothing that a close would have to take back").isEmpty();
      assertThat(listener.closed).isEmpty();
    } finally {
      scheduler.shutdownNow();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void validatesItsSettingsNamingTheValue() {
    assertThatThrownBy(() -> FallbackRateLimiter.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("primary");
    assertThatThrownBy(() -> FallbackRateLimiter.builder().failureThreshold(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("failureThreshold must be at least 1: 0");
    assertThatThrownBy(() -> FallbackRateLimiter.builder().probeInterval(Duration.ofMillis(5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith(": PT0.005S");
  }
}
