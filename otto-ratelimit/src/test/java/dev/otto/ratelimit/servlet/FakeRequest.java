package dev.otto.ratelimit.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Proxy;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A minimal {@link HttpServletRequest} for unit tests: method, peer address, headers and principal only. */
final class FakeRequest {

  private String httpMethod = "GET";
  private String remoteAddr = "192.0.2.1";
  private final Map<String, List<String>> headers = new LinkedHashMap<>();
  private @Nullable Principal principal;

  static FakeRequest from(String remoteAddr) {
    FakeRequest request = new FakeRequest();
    request.remoteAddr = remoteAddr;
    return request;
  }

  FakeRequest method(String method) {
    this.httpMethod = method;
    return this;
  }

  /** Adds a header line. */
  FakeRequest header(String name, String value) {
    headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), ignored -> new ArrayList<>()).add(value);
    return this;
  }

  FakeRequest principal(@Nullable String name) {
    principal = name == null ? null : () -> name;
    return this;
  }

  HttpServletRequest build() {
    return (HttpServletRequest) Proxy.newProxyInstance(FakeRequest.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getMethod" -> httpMethod;
          case "getRemoteAddr" -> remoteAddr;
          case "getHeaders" -> Collections.enumeration(
              headers.getOrDefault(((String) args[0]).toLowerCase(Locale.ROOT), List.of()));
          case "getHeader" -> {
            List<String> values = headers.get(((String) args[0]).toLowerCase(Locale.ROOT));
            yield values == null ? null : values.get(0);
          }
          case "getUserPrincipal" -> principal;
          case "toString" -> "FakeRequest[" + remoteAddr + ", " + headers + "]";
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
