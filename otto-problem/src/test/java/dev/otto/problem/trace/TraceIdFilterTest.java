package dev.otto.problem.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.problem.testing.FakeHttp;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.MDC;

/** Unit-level: fake request and response, a chain that records what it saw. */
class TraceIdFilterTest {

  private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  private final AtomicReference<Map<String, String>> mdcInChain = new AtomicReference<>();
  private final AtomicReference<TraceContext> contextInChain = new AtomicReference<>();
  private final FilterChain recordingChain = (req, res) -> {
    mdcInChain.set(MDC.getCopyOfContextMap());
    contextInChain.set(TraceContext.from(req).orElseThrow());
  };

  @BeforeEach
  @AfterEach
  void clearMdc() {
    MDC.clear();
  }

  @Test
  void restoresThePreviousMdcValuesAfterTheChain() throws Exception {
    MDC.put("traceId", "outer-trace");
    MDC.put("spanId", "outer-span");
    MDC.put("requestId", "outer-request");
    MDC.put("unrelated", "kept");

    TraceIdFilter.create().doFilter(FakeHttp.request().build(), FakeHttp.response().build(),
        recordingChain);

    assertThat(mdcInChain.get())
        .containsEntry("traceId", contextInChain.get().traceId())
        .containsEntry("spanId", contextInChain.get().spanId())
        .doesNotContainKey("requestId")
        .containsEntry("unrelated", "kept");
    assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of(
        "traceId", "outer-trace", "spanId", "outer-span", "requestId", "outer-request",
        "unrelated", "kept"));
  }

  @Test
  void removesItsMdcValuesAfterTheChainWhenThereWereNone() throws Exception {
    TraceIdFilter.create().doFilter(
        FakeHttp.request().header("X-Request-Id", "req-1").build(), FakeHttp.response().build(),
        recordingChain);

    assertThat(mdcInChain.get()).containsEntry("requestId", "req-1").containsKeys("traceId", "spanId");
    assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
  }

  @Test
  void restoresTheMdcAlsoWhenTheChainThrows() {
    MDC.put("traceId", "outer-trace");
    FilterChain failing = (req, res) -> {
      assertThat(MDC.get("traceId")).isNotEqualTo("outer-trace");
      throw new ServletException("boom");
    };

    assertThatThrownBy(() -> TraceIdFilter.create().doFilter(
        FakeHttp.request().build(), FakeHttp.response().build(), failing))
        .isInstanceOf(ServletException.class).hasMessage("boom");
    assertThat(MDC.getCopyOfContextMap()).isEqualTo(Map.of("traceId", "outer-trace"));
  }

  @Test
  void setsTheTraceIdResponseHeaderBeforeCallingTheChain() throws Exception {
    FakeHttp.Response response = FakeHttp.response();
    AtomicReference<String> headerInChain = new AtomicReference<>();

    TraceIdFilter.builder().responseHeader("Trace-Id").build().doFilter(
        FakeHttp.request().build(), response.build(),
        (req, res) -> headerInChain.set(response.headers.get("Trace-Id")));

    assertThat(headerInChain.get()).matches("[0-9a-f]{32}");
  }

  @Test
  void newIdsComeFromTheInjectedRandomAndAreNeverAllZero() throws Exception {
    Deque<Long> values = new ArrayDeque<>(List.of(0L, 0L, 0L, 0x1234L, 0L, 0xabcdefL));
    RandomGenerator random = values::removeFirst;

    TraceIdFilter.builder().random(random).build()
        .doFilter(FakeHttp.request().build(), FakeHttp.response().build(), recordingChain);

    // (0,0) is skipped as a trace id, then (0, 0x1234) is taken; span id 0 is skipped too.
    assertThat(contextInChain.get().traceId()).isEqualTo("0000000000000000" + "0000000000001234");
    assertThat(contextInChain.get().spanId()).isEqualTo("0000000000abcdef");
  }

  @Test
  void validTraceparentKeepsItsTraceIdWithANewSpanId() throws Exception {
    TraceIdFilter.create().doFilter(
        FakeHttp.request().header("traceparent", TRACEPARENT).build(), FakeHttp.response().build(),
        recordingChain);

    assertThat(contextInChain.get().traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(contextInChain.get().spanId()).matches("[0-9a-f]{16}").isNotEqualTo("00f067aa0ba902b7");
  }

  @Test
  void twoTraceparentHeadersAreIgnored() throws Exception {
    TraceIdFilter.create().doFilter(
        FakeHttp.request().header("traceparent", TRACEPARENT).header("traceparent", TRACEPARENT)
            .build(), FakeHttp.response().build(), recordingChain);

    assertThat(contextInChain.get().traceId()).isNotEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
  }

  @Test
  void reusesTheContextAlreadyOnTheRequestForAsyncAndErrorDispatches() throws Exception {
    TraceContext existing = new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
        "req-1");
    for (DispatcherType type : List.of(DispatcherType.ASYNC, DispatcherType.ERROR)) {
      FakeHttp.Response response = FakeHttp.response();
      HttpServletRequest request = FakeHttp.request().dispatcherType(type)
          .attribute(TraceContext.ATTRIBUTE, existing).build();

      TraceIdFilter.create().doFilter(request, response.build(), recordingChain);

      assertThat(contextInChain.get()).isSameAs(existing);
      assertThat(mdcInChain.get()).containsEntry("requestId", "req-1");
      assertThat(response.headers).containsEntry("X-Trace-Id", existing.traceId());
    }
  }

  @Test
  void requestIdHeaderCanBeRenamedOrDisabled() throws Exception {
    FakeHttp.Response renamed = FakeHttp.response();
    TraceIdFilter.builder().requestIdHeader("Correlation-Id").build().doFilter(
        FakeHttp.request().header("Correlation-Id", "abc").header("X-Request-Id", "xyz").build(),
        renamed.build(), recordingChain);
    assertThat(contextInChain.get().requestId()).isEqualTo("abc");
    assertThat(renamed.headers).containsEntry("Correlation-Id", "abc").doesNotContainKey("X-Request-Id");

    FakeHttp.Response disabled = FakeHttp.response();
    TraceIdFilter.builder().requestIdHeader(null).build().doFilter(
        FakeHttp.request().header("X-Request-Id", "xyz").build(), disabled.build(), recordingChain);
    assertThat(contextInChain.get().requestId()).isNull();
    assertThat(disabled.headers).containsOnlyKeys("X-Trace-Id");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "X Trace", "X-Trace\r\n", "Trace:Id", "Ünicode"})
  void builderRejectsInvalidHeaderNamesAndNamesThem(String name) {
    assertThatThrownBy(() -> TraceIdFilter.builder().responseHeader(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("responseHeader")
        .hasMessageContaining("'" + name + "'");
    assertThatThrownBy(() -> TraceIdFilter.builder().requestIdHeader(name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requestIdHeader");
  }

  @Test
  void requestIdValidationAcceptsOnlyTheSafeAlphabetUpTo128Characters() {
    assertThat(TraceIdFilter.validRequestId("a-Z_0.9:x")).isEqualTo("a-Z_0.9:x");
    assertThat(TraceIdFilter.validRequestId("a".repeat(128))).hasSize(128);
    assertThat(TraceIdFilter.validRequestId("a".repeat(129))).isNull();
    assertThat(TraceIdFilter.validRequestId("")).isNull();
    assertThat(TraceIdFilter.validRequestId(null)).isNull();
    assertThat(TraceIdFilter.validRequestId("a b")).isNull();
    assertThat(TraceIdFilter.validRequestId("a\r\nSet-Cookie: x")).isNull();
    assertThat(TraceIdFilter.validRequestId("<script>")).isNull();
    assertThat(TraceIdFilter.validRequestId("é")).isNull();
  }

  @SuppressWarnings("try") // the scope only needs to be open
  @Test
  void currentOpenTelemetrySpanWinsOverTraceparent() throws Exception {
    try (SdkTracerProvider provider = SdkTracerProvider.builder().build()) {
      Tracer tracer = provider.get("test");
      Span span = tracer.spanBuilder("request").startSpan();
      try (Scope ignored = span.makeCurrent()) {
        TraceIdFilter.create().doFilter(
            FakeHttp.request().header("traceparent", TRACEPARENT).build(),
            FakeHttp.response().build(), recordingChain);
      } finally {
        span.end();
      }

      assertThat(contextInChain.get().traceId()).isEqualTo(span.getSpanContext().getTraceId());
      assertThat(contextInChain.get().spanId()).isEqualTo(span.getSpanContext().getSpanId());
      assertThat(mdcInChain.get()).containsEntry("traceId", span.getSpanContext().getTraceId());
    }
  }

  @SuppressWarnings("try") // the scope only needs to be open
  @Test
  void openTelemetryCanBeSwitchedOff() throws Exception {
    try (SdkTracerProvider provider = SdkTracerProvider.builder().build()) {
      Span span = provider.get("test").spanBuilder("request").startSpan();
      try (Scope ignored = span.makeCurrent()) {
        TraceIdFilter.builder().openTelemetry(false).build().doFilter(
            FakeHttp.request().header("traceparent", TRACEPARENT).build(),
            FakeHttp.response().build(), recordingChain);
      } finally {
        span.end();
      }

      assertThat(contextInChain.get().traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    }
  }

  @Test
  void withoutACurrentSpanTheTraceparentIsUsed() throws Exception {
    assertThat(Span.current().getSpanContext().isValid()).isFalse();

    TraceIdFilter.create().doFilter(FakeHttp.request().header("traceparent", TRACEPARENT).build(),
        FakeHttp.response().build(), recordingChain);

    assertThat(contextInChain.get().traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
  }
}
