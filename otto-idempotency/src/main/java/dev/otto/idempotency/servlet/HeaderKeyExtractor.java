package dev.otto.idempotency.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;
import org.jspecify.annotations.Nullable;

/** Reads the key from one header; a repeated header becomes an invalid key (values joined by ", "). */
record HeaderKeyExtractor(String name) implements KeyExtractor {

  @Override
  public @Nullable String extract(HttpServletRequest request) {
    Enumeration<String> values = request.getHeaders(name);
    if (values == null || !values.hasMoreElements()) {
      return null;
    }
    String first = values.nextElement();
    if (!values.hasMoreElements()) {
      return first;
    }
    StringBuilder joined = new StringBuilder(first);
    while (values.hasMoreElements()) {
      joined.append(", ").append(values.nextElement()); // contains a space: never a valid key
    }
    return joined.toString();
  }

  @Override
  public String toString() {
    return "header(" + name + ")";
  }
}
