package dev.otto.problem.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.problem.servlet.ProblemFilter;
import dev.otto.testsupport.EmbeddedTomcat;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.Filter;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.MDC;

/** Trace ids inside a real Tomcat, seen from an HTTP client. */
class TraceIdFilterServerTest {

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-00f067aa0ba902b7-01";

  private static final AtomicReference<Map<String, String>> mdc = new AtomicReference<>();
  private static final Map<String, String> seenOnThread = new ConcurrentHashMap<>();
  private static final SdkTracerProvider tracing = SdkTracerProvider.builder().build();
  private static final AtomicReference<Span> otelSpan = new AtomicReference<>();
  private static EmbeddedTomcat server;

  @SuppressWarnings("try") // the scope only needs to be open
  @BeforeAll
  static void start() {
    // Plays the OpenTelemetry server instrumentation: a span is current around the rest of the chain.
    Filter otelInstrumentation = (req, res, chain) -> {
      Span span = tracing.get("test").spanBuilder("server").startSpan();
      otelSpan.set(span);
      try (Scope ignored = span.makeCurrent()) {
        chain.doFilter(req, res);
      } finally {
        span.end();
      }
    };
    server = EmbeddedTomcat.builder()
        .filter("otel", (req, res, chain) -> {
          if ("true".equals(((jakarta.servlet.http.HttpServletRequest) req).getHeader("X-Test-Otel"))) {
            otelInstrumentation.doFilter(req, res, chain);
          } else {
            chain.doFilter(req, res);
          }
        })
        .filter("trace", TraceIdFilter.create())
        .filter("problem", ProblemFilter.create())
        .servlet("/mdc", (req, resp) -> mdc.set(MDC.getCopyOfContextMap()))
        .servlet("/async-dispatch", (req, resp) -> {
          AsyncContext async = req.startAsync();
          async.start(() -> {
            seenOnThread.put("async", TraceContext.from(async.getRequest()).orElseThrow().traceId());
            async.dispatch("/mdc");
          });
        })
        .servlet("/async-complete", (req, resp) -> {
          AsyncContext async = req.startAsync();
          async.start(() -> {
            try {
              String traceId = TraceContext.from(async.getRequest()).orElseThrow().traceId();
              async.getResponse().getWriter().write(traceId);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            } finally {
              async.complete();
            }
          });
        })
        .start();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    tracing.close();
  }

  @BeforeEach
  void reset() {
    mdc.set(null);
    seenOnThread.clear();
  }

  private static String traceHeader(HttpResponse<String> response) {
    return response.headers().firstValue("X-Trace-Id").orElseThrow();
  }

  @Test
  void validTraceparentKeepsItsTraceIdInTheHeaderAndTheMdc() {
    HttpResponse<String> response = server.get("/mdc", "traceparent", TRACEPARENT);

    assertThat(traceHeader(response)).isEqualTo(TRACE_ID);
    assertThat(mdc.get()).containsEntry("traceId", TRACE_ID);
    assertThat(mdc.get().get("spanId")).matches("[0-9a-f]{16}").isNotEqualTo("00f067aa0ba902b7");
  }

  // W3C Trace Context, "Versioning of traceparent": a higher version is read as far as version 00 goes.
  @ParameterizedTest
  @ValueSource(strings = {
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future",
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-xyz"})
  void aFutureVersionTraceparentKeepsItsTraceId(String traceparent) {
    HttpResponse<String> response = server.get("/mdc", "traceparent", traceparent);

    assertThat(traceHeader(response)).isEqualTo(TRACE_ID);
    assertThat(mdc.get()).containsEntry("traceId", TRACE_ID);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
      // (Surrounding whitespace is stripped by HTTP itself; inner whitespace is not.)
      "00-4bf92f3577b34da6a3ce929d0e0e4736 -00f067aa0ba902b7-01",
      "garbage<script>"})
  void malformedTraceparentGetsANewTraceIdAndIsNeverEchoed(String traceparent) {
    HttpResponse<String> response = server.get("/mdc", "traceparent", traceparent);

    assertThat(traceHeader(response)).matches("[0-9a-f]{32}").isNotEqualToIgnoringCase(TRACE_ID)
        .isNotEqualTo("00000000000000000000000000000000");
    assertThat(mdc.get()).containsEntry("traceId", traceHeader(response));
    response.headers().map().forEach((name, values) -> assertThat(values)
        .allSatisfy(value -> assertThat(value.toLowerCase()).doesNotContain("4bf92f3577b34da6")
            .doesNotContain("garbage")));
  }

  @Test
  void requestsWithoutTraceparentGetFreshDistinctIds() {
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      ids.add(traceHeader(server.get("/mdc")));
    }

    assertThat(ids).hasSize(5).allMatch(id -> id.matches("[0-9a-f]{32}"));
  }

  @Test
  void validRequestIdIsEchoedAndPutInTheMdc() {
    HttpResponse<String> response = server.get("/mdc", "X-Request-Id", "order-42:retry.1_x");

    assertThat(response.headers().firstValue("X-Request-Id")).hasValue("order-42:retry.1_x");
    assertThat(mdc.get()).containsEntry("requestId", "order-42:retry.1_x");
  }

  @ParameterizedTest
  @ValueSource(strings = {"has space", "<script>alert(1)</script>", "semi;colon", "ünïcode", "x,y"})
  void invalidRequestIdIsIgnoredAndNotEchoed(String requestId) {
    HttpResponse<String> response = server.get("/mdc", "X-Request-Id", requestId);

    assertThat(response.headers().firstValue("X-Request-Id")).isEmpty();
    assertThat(mdc.get()).doesNotContainKey("requestId");
  }

  @Test
  void oversizedRequestIdIsIgnored() {
    HttpResponse<String> response = server.get("/mdc", "X-Request-Id", "a".repeat(129));

    assertThat(response.headers().firstValue("X-Request-Id")).isEmpty();
  }

  @Test
  void asyncDispatchKeepsTheSameTraceIdAndMdc() {
    HttpResponse<String> response = server.get("/async-dispatch", "X-Request-Id", "r1");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(seenOnThread.get("async")).isEqualTo(traceHeader(response));
    assertThat(mdc.get()).containsEntry("traceId", traceHeader(response))
        .containsEntry("requestId", "r1");
  }

  @Test
  void asyncCompletionOnAnotherThreadSeesTheSameTraceContext() {
    HttpResponse<String> response = server.get("/async-complete");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(traceHeader(response));
  }

  @Test
  void currentOpenTelemetrySpanSuppliesTheTraceId() {
    HttpResponse<String> response = server.get("/mdc", "X-Test-Otel", "true", "traceparent", TRACEPARENT);

    String spanTraceId = otelSpan.get().getSpanContext().getTraceId();
    assertThat(traceHeader(response)).isEqualTo(spanTraceId).isNotEqualTo(TRACE_ID);
    assertThat(mdc.get()).containsEntry("traceId", spanTraceId)
        .containsEntry("spanId", otelSpan.get().getSpanContext().getSpanId());
  }

  @Test
  void problemResponsesCarryTheTraceIdOfTheHeader() {
    HttpResponse<String> response = server.get("/no-such-resource", "traceparent", TRACEPARENT);

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(traceHeader(response)).isEqualTo(TRACE_ID);
    assertThat(response.body()).contains("\"traceId\":\"" + TRACE_ID + "\"");
    assertThat(List.of(response.headers().firstValue("Content-Type").orElseThrow()))
        .containsExactly("application/problem+json");
  }
}
