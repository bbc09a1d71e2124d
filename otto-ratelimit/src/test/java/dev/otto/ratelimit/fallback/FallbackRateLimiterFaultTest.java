package dev.otto.ratelimit.fallback;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.otto.ratelimit.FailureMode;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import dev.otto.testsupport.RedisServerProcess;
import dev.otto.testsupport.Waiting;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Kills, hangs and restarts a private redis-server under a fallback limiter: no decision fails, the first
 * ones wait at most about the command timeout, decisions go local while Redis is away and return to Redis
 * within 5 s of it coming back, and each change is reported exactly once.
 */
class FallbackRateLimiterFaultTest {

  private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(200);

  private final RateLimitPolicy policy = RateLimitPolicy.of("api", 1_000_000, Duration.ofHours(1));
  private final RecordingListener listener = new RecordingListener();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(FallbackRateLimiter.class);
  private RedisServerProcess server;
  private RedisRateLimiter redis;

  @BeforeEach
  void start() {
    server = RedisServerProcess.start();
    redis = RedisRateLimiter.builder()
        .uri(server.uri())
        .keyPrefix("otto:rl:test:" + UUID.randomUUID() + ":")
        .commandTimeout(COMMAND_TIMEOUT)
        .build();
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void stop() {
    logger.detachAppender(logs);
    redis.close();
    server.close();
  }

  private FallbackRateLimiter.Builder fallback() {
    return FallbackRateLimiter.builder().primary(redis).listener(listener);
  }

  private void awaitRedis(FallbackRateLimiter limiter, String when) {
    Waiting.awaitTrue(Duration.ofSeconds(5), "decisions on Redis " + when,
        () -> limiter.tryAcquire("k", policy).backend() == RateLimitBackend.REDIS);
  }

  /** Makes decisions until the breaker is open; returns them with how long each took. */
  private List<Timed> decideUntilDegraded(FallbackRateLimiter limiter) {
    List<Timed> decisions = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!limiter.isDegraded() && System.nanoTime() < deadline) {
      long start = System.nanoTime();
      RateLimitDecision decision = limiter.tryAcquire("k", policy);
      decisions.add(new Timed(decision, Duration.ofNanos(System.nanoTime() - start)));
    }
    assertThat(limiter.isDegraded()).as("breaker open within 10 s").isTrue();
    return decisions;
  }

  private record Timed(RateLimitDecision decision, Duration took) {
  }

  private long logged(Level level) {
    return logs.list.stream().filter(event -> event.getLevel() == level).count();
  }

  @Test
  void decidesLocallyWhileRedisIsDeadAndReturnsWithinFiveSecondsOfItsRestart() {
    try (FallbackRateLimiter limiter = fallback().build()) {
      awaitRedis(limiter, "at start");

      server.kill();
      List<Timed> duringOutage = decideUntilDegraded(limiter);
      assertThat(duringOutage).allSatisfy(timed -> {
        assertThat(timed.took()).isLessThan(Duration.ofSeconds(1));
        assertThat(timed.decision().allowed()).isTrue();
      });
      for (int i = 0; i < 100; i++) {
        RateLimitDecision local = limiter.tryAcquire("k", policy);
        assertThat(local.backend()).isEqualTo(RateLimitBackend.LOCAL);
        assertThat(local.allowed()).isTrue();
      }

      server.restart();
      Duration recovery = Waiting.awaitTrue(Duration.ofSeconds(5), "back on Redis after restart",
          () -> limiter.tryAcquire("k", policy).backend() == RateLimitBackend.REDIS);
      assertThat(recovery).isLessThan(Duration.ofSeconds(5));
      assertThat(limiter.isDegraded()).isFalse();
      Waiting.awaitTrue(Duration.ofSeconds(5), "the listener told of the recovery",
          () -> !listener.recovered.isEmpty());
    }
    assertThat(listener.engaged).hasSize(1);
    assertThat(listener.recovered).singleElement().satisfies(d -> assertThat(d).isPositive());
    assertThat(listener.threads).as("both changes told on the probe thread, in order")
        .containsExactly("otto-ratelimit-probe", "otto-ratelimit-probe");
    assertThat(logged(Level.WARN)).isEqualTo(1);
    assertThat(logged(Level.INFO)).isEqualTo(1);
    assertThat(logs.list.get(0).getFormattedMessage()).contains("without Redis (FAIL_LOCAL");
    assertThat(logs.list.get(1).getFormattedMessage()).contains("uses Redis again after");
  }

  @Test
  void opensOnTimeoutsWhileRedisHangsAndClosesWhenItResumes() {
    try (FallbackRateLimiter limiter = fallback().probeInterval(Duration.ofMillis(200)).build()) {
      awaitRedis(limiter, "at start");

      server.pause();
      List<Timed> duringHang;
      try {
        duringHang = decideUntilDegraded(limiter);
        RateLimitDecision local = limiter.tryAcquire("k", policy);
        assertThat(local.backend()).isEqualTo(RateLimitBackend.LOCAL);
      } finally {
        server.resume();
      }
      assertThat(duringHang).allSatisfy(timed -> assertThat(timed.took()).isLessThan(Duration.ofSeconds(1)));
      assertThat(duringHang).as("three timeouts in a row open the breaker").hasSizeGreaterThanOrEqualTo(3);
      Waiting.awaitTrue(Duration.ofSeconds(5), "the listener told of the outage", () -> !listener.engaged.isEmpty());
      assertThat(listener.engaged).singleElement()
          .satisfies(cause -> assertThat(cause).hasMessageContaining("did not answer"));

      Waiting.awaitTrue(Duration.ofSeconds(5), "back on Redis after resume", () -> !limiter.isDegraded());
      assertThat(limiter.tryAcquire("k", policy).backend()).isEqualTo(RateLimitBackend.REDIS);
    }
    assertThat(listener.engaged).hasSize(1);
    assertThat(listener.recovered).hasSize(1);
    assertThat(logged(Level.WARN)).isEqualTo(1);
    assertThat(logged(Level.INFO)).isEqualTo(1);
  }

  @Test
  void aListenerThatThrowsAnErrorDoesNotKeepTheLimiterFromReturningToRedis() {
    try (FallbackRateLimiter limiter =
        fallback().listener(FailingListener.throwingAnError()).probeInterval(Duration.ofMillis(200)).build()) {
      awaitRedis(limiter, "at start");

      server.kill();
      decideUntilDegraded(limiter);
      Waiting.awaitTrue(Duration.ofSeconds(5), "the listener told of the outage", () -> !listener.engaged.isEmpty());

      server.restart();
      awaitRedis(limiter, "after restart, though a listener threw an AssertionError");
      Waiting.awaitTrue(Duration.ofSeconds(5), "the listener told of the recovery",
          () -> !listener.recovered.isEmpty());
    }
    assertThat(listener.engaged).hasSize(1);
    assertThat(listener.recovered).hasSize(1);
    assertThat(logs.list).filteredOn(event -> event.getLevel() == Level.ERROR).singleElement()
        .satisfies(event -> assertThat(event.getThrowableProxy().getClassName()).isEqualTo("java.lang.AssertionError"));
  }

  @Test
  void failsOpenOrClosedAsConfiguredAndRecoversEitherWay() {
    try (FallbackRateLimiter open = fallback().failureMode(FailureMode.FAIL_OPEN).failureThreshold(1)
            .probeInterval(Duration.ofMillis(200)).build();
        FallbackRateLimiter closed = fallback().failureMode(FailureMode.FAIL_CLOSED).failureThreshold(1)
            .probeInterval(Duration.ofMillis(200)).build()) {
      awaitRedis(open, "at start");
      awaitRedis(closed, "at start");

      server.kill();
      for (int i = 0; i < 3; i++) {
        RateLimitDecision allowed = open.tryAcquire("k", policy);
        assertThat(allowed.allowed()).isTrue();
        assertThat(allowed.backend()).isEqualTo(RateLimitBackend.NONE);
        RateLimitDecision rejected = closed.tryAcquire("k", policy);
        assertThat(rejected.allowed()).isFalse();
        assertThat(rejected.backend()).isEqualTo(RateLimitBackend.NONE);
        assertThat(rejected.retryAfter()).isEqualTo(Duration.ofMillis(200));
      }

      server.restart();
      awaitRedis(open, "after restart (fail open)");
      awaitRedis(closed, "after restart (fail closed)");
      // Recoveries are told on the probing thread, after the decision that saw Redis again. With a failure
      // threshold of 1 and a 200 ms timeout, one slow call on the restarted server (on a shared machine)
      // may open a breaker once more; every outage told must still end in a recovery told.
      Waiting.awaitTrue(Duration.ofSeconds(5), "a recovery told for every outage told",
          () -> listener.recovered.size() >= 2 && listener.recovered.size() == listener.engaged.size());
    }
    assertThat(listener.engaged).hasSizeGreaterThanOrEqualTo(2);
    assertThat(listener.closed).isEmpty();
  }
}
