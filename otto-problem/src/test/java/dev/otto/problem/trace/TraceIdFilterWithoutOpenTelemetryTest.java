package dev.otto.problem.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Loads the filter in a class loader that has no OpenTelemetry at all, as in an application without it,
 * and runs a request through it.
 */
class TraceIdFilterWithoutOpenTelemetryTest {

  private static URL locationOf(Class<?> type) {
    return type.getProtectionDomain().getCodeSource().getLocation();
  }

  @Test
  void worksWhenOpenTelemetryIsNotOnTheClasspath() throws Exception {
    URL[] classpath = {
        locationOf(TraceIdFilter.class),
        locationOf(jakarta.servlet.Filter.class),
        locationOf(org.slf4j.MDC.class),
        locationOf(ch.qos.logback.classic.Logger.class),
        locationOf(ch.qos.logback.core.Appender.class),
        locationOf(org.jspecify.annotations.Nullable.class)};
    try (URLClassLoader isolated = new URLClassLoader(classpath, ClassLoader.getPlatformClassLoader())) {
      assertThatThrownBy(() -> isolated.loadClass("io.opentelemetry.api.trace.Span"))
          .isInstanceOf(ClassNotFoundException.class);

      Class<?> filterType = isolated.loadClass(TraceIdFilter.class.getName());
      Object filter = filterType.getMethod("create").invoke(null);

      Map<String, Object> attributes = new HashMap<>();
      Object request = fake(isolated, "jakarta.servlet.http.HttpServletRequest", (name, args) -> switch (name) {
        case "getAttribute" -> attributes.get((String) args[0]);
        case "setAttribute" -> attributes.put((String) args[0], args[1]);
        case "getHeader" -> null;
        case "getHeaders" -> java.util.Collections.emptyEnumeration();
        default -> throw new UnsupportedOperationException(name);
      });
      Map<String, String> headers = new HashMap<>();
      Object response = fake(isolated, "jakarta.servlet.http.HttpServletResponse", (name, args) -> switch (name) {
        case "isCommitted" -> false;
        case "setHeader" -> headers.put((String) args[0], (String) args[1]);
        default -> throw new UnsupportedOperationException(name);
      });
      AtomicBoolean chainCalled = new AtomicBoolean();
      Object chain = fake(isolated, "jakarta.servlet.FilterChain", (name, args) -> {
        chainCalled.set(true);
        return null;
      });

      Method doFilter = filterType.getMethod("doFilter",
          isolated.loadClass("jakarta.servlet.ServletRequest"),
          isolated.loadClass("jakarta.servlet.ServletResponse"),
          isolated.loadClass("jakarta.servlet.FilterChain"));
      doFilter.invoke(filter, request, response, chain);

      assertThat(chainCalled).isTrue();
      assertThat(headers.get("X-Trace-Id")).matches("[0-9a-f]{32}");
    }
  }

  private interface Answer {
    Object answer(String method, Object[] args) throws Exception;
  }

  private static Object fake(ClassLoader loader, String type, Answer answer) throws Exception {
    return Proxy.newProxyInstance(loader, new Class<?>[] {loader.loadClass(type)},
        (proxy, method, args) -> answer.answer(method.getName(), args));
  }
}
