package dev.otto.problem.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.otto.problem.servlet.ProblemFilter;
import dev.otto.problem.testing.FakeHttp;
import dev.otto.testsupport.EmbeddedTomcat;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The trace filter's run-time switch, inside a real Tomcat in front of the problem filter. */
class TraceIdFilterSwitchTest {

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

  private static final AtomicBoolean enabled = new AtomicBoolean(true);
  private static final AtomicReference<Map<String, String>> mdc = new AtomicReference<>();
  private static final AtomicReference<Object> contextAttribute = new AtomicReference<>();
  private static EmbeddedTomcat server;

  @BeforeAll
  static void start() {
    server = EmbeddedTomcat.builder()
        .filter("trace", TraceIdFilter.builder().enabled(enabled::get).build())
        .filter("problem", ProblemFilter.create())
        .servlet("/mdc", (req, resp) -> {
          Map<String, String> copy = MDC.getCopyOfContextMap();
          mdc.set(copy == null ? Map.of() : copy);
          Object context = req.getAttribute(TraceContext.ATTRIBUTE);
          contextAttribute.set(context == null ? "none" : context);
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
    mdc.set(null);
    contextAttribute.set(null);
  }

  @Test
  void addsTheTraceIdWhileTheSwitchIsOn() {
    HttpResponse<String> response = server.get("/mdc", "traceparent", TRACEPARENT);

    assertThat(response.headers().firstValue("X-Trace-Id")).hasValue(TRACE_ID);
    assertThat(mdc.get()).containsEntry("traceId", TRACE_ID);
  }

  @Test
  void passesRequestsThroughUntouchedWhileTheSwitchIsOff() {
    enabled.set(false);

    HttpResponse<String> response =
        server.get("/mdc", "traceparent", TRACEPARENT, "X-Request-Id", "order-42");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("X-Trace-Id")).isEmpty();
    assertThat(response.headers().firstValue("X-Request-Id")).isEmpty();
    assertThat(mdc.get()).doesNotContainKeys("traceId", "spanId", "requestId");
    assertThat(contextAttribute.get()).isEqualTo("none");
  }

  @Test
  void problemsCarryNoTraceIdWhileTheSwitchIsOff() {
    enabled.set(false);

    HttpResponse<String> response = server.get("/no-such-resource");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(response.body()).doesNotContain("traceId");
  }

  @Test
  void switchingOffAndOnTakesEffectOnTheNextRequest() {
    assertThat(server.get("/mdc").headers().firstValue("X-Trace-Id")).isPresent();

    enabled.set(false);
    assertThat(server.get("/mdc").headers().firstValue("X-Trace-Id")).isEmpty();

    enabled.set(true);
    HttpResponse<String> response = server.get("/mdc");
    assertThat(response.headers().firstValue("X-Trace-Id")).isPresent();
    assertThat(mdc.get()).containsEntry("traceId", response.headers().firstValue("X-Trace-Id").orElseThrow());
  }

  @Test
  void readsTheSwitchOncePerRequest() throws Exception {
    AtomicInteger reads = new AtomicInteger();
    TraceIdFilter filter = TraceIdFilter.builder().enabled(() -> reads.incrementAndGet() > 0).build();

    filter.doFilter(FakeHttp.request().build(), FakeHttp.response().build(), (req, res) -> { });

    assertThat(reads).hasValue(1);
  }

  @Test
  void rejectsANullSwitchByName() {
    assertThatNullPointerException()
        .isThrownBy(() -> TraceIdFilter.builder().enabled(null))
        .withMessageContaining("enabled");
  }
}
