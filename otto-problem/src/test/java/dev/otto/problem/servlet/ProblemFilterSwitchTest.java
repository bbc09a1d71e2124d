package dev.otto.problem.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.otto.problem.Problem;
import dev.otto.problem.trace.TraceIdFilter;
import dev.otto.testsupport.EmbeddedTomcat;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The error filter's run-time switch, inside a real Tomcat behind the trace filter. */
class ProblemFilterSwitchTest {

  static class OrderNotFoundException extends RuntimeException {
    OrderNotFoundException() {
      super("no such order");
    }
  }

  private static final AtomicBoolean enabled = new AtomicBoolean(true);
  private static final AtomicReference<CountDownLatch> entered = new AtomicReference<>();
  private static final AtomicReference<CountDownLatch> release = new AtomicReference<>();
  private static EmbeddedTomcat server;

  @BeforeAll
  static void start() {
    ExceptionMappings mappings = ExceptionMappings.builder()
        .map(OrderNotFoundException.class, (e, request) -> Problem.builder(404).detail("No such order").build())
        .build();
    server = EmbeddedTomcat.builder()
        .filter("trace", TraceIdFilter.create())
        .filter("problem", ProblemFilter.builder().exceptionMappings(mappings).enabled(enabled::get).build())
        .servlet("/boom", (req, resp) -> {
          throw new IllegalStateException("boom");
        })
        .servlet("/mapped", (req, resp) -> {
          throw new OrderNotFoundException();
        })
        .servlet("/send-404", (req, resp) -> resp.sendError(404))
        .servlet("/slow-boom", (req, resp) -> {
          entered.get().countDown();
          await(release.get());
          throw new IllegalStateException("boom");
        })
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void switchOn() {
    enabled.set(true);
  }

  private static void await(CountDownLatch latch) throws InterruptedIOException {
    try {
      if (!latch.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test did not release the handler within 20 seconds");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  private static boolean isProblem(HttpResponse<String> response) {
    return response.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json");
  }

  @Test
  void mapsExceptionsWhileTheSwitchIsOn() {
    HttpResponse<String> response = server.get("/mapped");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(isProblem(response)).isTrue();
  }

  @Test
  void leavesAnExceptionToTheContainerWhileTheSwitchIsOff() {
    enabled.set(false);

    HttpResponse<String> unmapped = server.get("/boom");
    HttpResponse<String> mapped = server.get("/mapped");

    assertThat(unmapped.statusCode()).isEqualTo(500);
    assertThat(isProblem(unmapped)).isFalse();
    assertThat(mapped.statusCode()).as("the mapping is not applied").isEqualTo(500);
    assertThat(isProblem(mapped)).isFalse();
  }

  @Test
  void leavesSendErrorToTheContainerWhileTheSwitchIsOff() {
    enabled.set(false);

    HttpResponse<String> response = server.get("/send-404");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(isProblem(response)).isFalse();
  }

  @Test
  void switchingOffAndOnTakesEffectOnTheNextRequest() {
    assertThat(isProblem(server.get("/boom"))).isTrue();

    enabled.set(false);
    assertThat(isProblem(server.get("/boom"))).isFalse();

    enabled.set(true);
    HttpResponse<String> response = server.get("/boom");
    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(isProblem(response)).isTrue();
  }

  @Test
  void aRequestAlreadyRunningWhenTheSwitchFlipsIsAnsweredAsItStarted() throws Exception {
    entered.set(new CountDownLatch(1));
    release.set(new CountDownLatch(1));
    CompletableFuture<HttpResponse<String>> running = server.client().sendAsync(
        server.request("/slow-boom").GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(entered.get().await(20, TimeUnit.SECONDS)).isTrue();

    enabled.set(false);
    release.get().countDown();

    HttpResponse<String> response = running.get(20, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(500);
    assertThat(isProblem(response)).as("the filter was on when the request arrived").isTrue();
  }

  @Test
  void rejectsANullSwitchByName() {
    assertThatNullPointerException()
        .isThrownBy(() -> ProblemFilter.builder().enabled(null))
        .withMessageContaining("enabled");
  }
}
