package dev.otto.problem.testing;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Minimal request and response objects for unit-level filter tests. Only the methods the code under
 * test needs are implemented; any other call fails loudly instead of returning a silent default.
 */
public final class FakeHttp {

  private FakeHttp() {}

  public static Request request() {
    return new Request();
  }

  public static Response response() {
    return new Response();
  }

  /** A fake request with headers, attributes, method, path and dispatcher type. */
  public static final class Request {
    private final Map<String, List<String>> headers = new HashMap<>();
    public final Map<String, Object> attributes = new HashMap<>();
    private String method = "GET";
    private String uri = "/orders/42";
    private DispatcherType dispatcherType = DispatcherType.REQUEST;

    public Request header(String name, String value) {
      headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(value);
      return this;
    }

    public Request method(String method) {
      this.method = method;
      return this;
    }

    public Request uri(String uri) {
      this.uri = uri;
      return this;
    }

    public Request dispatcherType(DispatcherType dispatcherType) {
      this.dispatcherType = dispatcherType;
      return this;
    }

    public Request attribute(String name, Object value) {
      attributes.put(name, value);
      return this;
    }

    public HttpServletRequest build() {
      return (HttpServletRequest) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
          new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
            case "getHeader" -> {
              List<String> values = headers.get(((String) args[0]).toLowerCase(Locale.ROOT));
              yield values == null ? null : values.get(0);
            }
            case "getHeaders" -> Collections.enumeration(
                headers.getOrDefault(((String) args[0]).toLowerCase(Locale.ROOT), List.of()));
            case "getAttribute" -> attributes.get((String) args[0]);
            case "setAttribute" -> {
              attributes.put((String) args[0], args[1]);
              yield null;
            }
            case "removeAttribute" -> {
              attributes.remove((String) args[0]);
              yield null;
            }
            case "getMethod" -> method;
            case "getRequestURI" -> uri;
            case "getDispatcherType" -> dispatcherType;
            case "isAsyncStarted" -> false;
            case "toString" -> "FakeRequest[" + method + " " + uri + "]";
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> throw new UnsupportedOperationException("FakeRequest." + m.getName());
          });
    }
  }

  /** A fake response that records headers and status; never committed. */
  public static final class Response {
    public final Map<String, String> headers = new LinkedHashMap<>();
    public int status = 200;

    public HttpServletResponse build() {
      return (HttpServletResponse) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
          new Class<?>[] {HttpServletResponse.class}, (proxy, m, args) -> switch (m.getName()) {
            case "setHeader" -> {
              headers.put((String) args[0], (String) args[1]);
              yield null;
            }
            case "getHeader" -> headers.get((String) args[0]);
            case "setStatus" -> {
              status = (Integer) args[0];
              yield null;
            }
            case "isCommitted" -> false;
            case "toString" -> "FakeResponse";
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            default -> throw new UnsupportedOperationException("FakeResponse." + m.getName());
          });
    }
  }
}
