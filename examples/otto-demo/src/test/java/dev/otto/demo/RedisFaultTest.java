package dev.otto.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.fallback.FallbackRateLimiter;
import dev.otto.testsupport.RedisServerProcess;
import dev.otto.testsupport.Waiting;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The demo on its own redis-server under load: Redis is killed (or stopped with SIGSTOP, so it accepts
 * connections but never answers) mid-load and then brought back. No request
 * may fail with a 5xx, none may hang, and the limiter must return to Redis within 5 seconds of its return
 * (CONTRACT.md, Faults). Latency bounds are generous: the machine is shared and noisy.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RedisFaultTest {

  private static final RedisServerProcess redis = RedisServerProcess.start();
  private static final Duration SLOWEST_ACCEPTABLE = Duration.ofSeconds(2);
  private static final int LOAD_THREADS = 4;

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    registry.add("otto.redis.url", redis::uri);
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @LocalServerPort int port;
  @Autowired RateLimiter limiter;

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  record Outcome(int status, long nanos) {}

  @Test
  void killingRedisMidLoadFallsBackWithoutErrorsAndRecoversWithin5Seconds() throws Exception {
    survives(redis::kill, redis::restart);
  }

  @Test
  void aRedisThatHangsMidLoadIsTreatedTheSameWay() throws Exception {
    survives(redis::pause, redis::resume);
  }

  private void survives(Runnable fault, Runnable repair) throws Exception {
    FallbackRateLimiter fallback = (FallbackRateLimiter) limiter;
    await("the limiter uses Redis", Duration.ofSeconds(10), () -> !fallback.isDegraded() && greetOk());

    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService load = Executors.newFixedThreadPool(LOAD_THREADS);
    List<Future<?>> workers = new ArrayList<>();
    for (int i = 0; i < LOAD_THREADS; i++) {
      workers.add(load.submit(() -> generateLoad(running, outcomes)));
    }
    try {
      await("load is flowing", Duration.ofSeconds(10), () -> outcomes.size() > 50);

      fault.run();
      await("the fallback engages", Duration.ofSeconds(10), fallback::isDegraded);
      int atEngagement = outcomes.size();
      await("load continues on the local limiter", Duration.ofSeconds(10),
          () -> outcomes.size() > atEngagement + 100);

      repair.run();
      long restarted = System.nanoTime();
      await("the limiter returns to Redis", Duration.ofSeconds(10), () -> !fallback.isDegraded());
      Duration recovery = Duration.ofNanos(System.nanoTime() - restarted);
      assertThat(recovery).as("time back on Redis after its restart").isLessThan(Duration.ofSeconds(5));
      int atRecovery = outcomes.size();
      await("load continues on Redis", Duration.ofSeconds(10), () -> outcomes.size() > atRecovery + 50);
    } finally {
      running.set(false);
      for (Future<?> worker : workers) {
        worker.get();
      }
      load.shutdown();
    }

    assertThat(outcomes).isNotEmpty();
    assertThat(outcomes).allSatisfy(outcome -> {
      assertThat(outcome.status()).as("status").isEqualTo(200);
      assertThat(Duration.ofNanos(outcome.nanos())).as("latency").isLessThan(SLOWEST_ACCEPTABLE);
    });
    assertThat(greetOk()).isTrue();
  }

  /** Sends greetings, each with its own API key so the limit never rejects, until told to stop. */
  private void generateLoad(AtomicBoolean running, ConcurrentLinkedQueue<Outcome> outcomes) {
    while (running.get()) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/greeting"))
              .header("X-Api-Key", "load-" + UUID.randomUUID())
              .timeout(Duration.ofSeconds(10))
              .build();
      long start = System.nanoTime();
      int status;
      try {
        status = client.send(request, BodyHandlers.discarding()).statusCode();
      } catch (Exception e) {
        status = -1;
      }
      outcomes.add(new Outcome(status, System.nanoTime() - start));
    }
  }

  private boolean greetOk() {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/greeting"))
              .header("X-Api-Key", "probe-" + UUID.randomUUID())
              .build();
      return client.send(request, BodyHandlers.discarding()).statusCode() == 200;
    } catch (Exception e) {
      return false;
    }
  }

  private static void await(String what, Duration limit, BooleanSupplier condition) {
    Waiting.awaitTrue(limit, what, condition);
  }
}
