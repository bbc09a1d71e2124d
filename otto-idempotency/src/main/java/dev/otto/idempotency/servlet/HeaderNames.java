package dev.otto.idempotency.servlet;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** Validation of header names given to the builders, and the headers that are never stored. */
final class HeaderNames {

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  /**
   * Header fields never stored or replayed, lower case: credentials and cookies (one user's must never
   * reach another request), hop-by-hop fields (RFC 9110 section 7.6.1), and fields the container computes.
   * {@code Proxy-*} is checked by prefix.
   */
  static final Set<String> NEVER_STORED = Set.of(
      "set-cookie", "set-cookie2", "cookie", "authorization", "www-authenticate",
      "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
      "content-length", "date", "idempotent-replayed");

  private HeaderNames() {
  }

  static String requireValid(String what, String name) {
    Objects.requireNonNull(name, what);
    if (!TOKEN.matcher(name).matches()) {
      throw new IllegalArgumentException(what + " must be an HTTP header name such as Idempotency-Key: '"
          + name + "'");
    }
    return name;
  }

  static boolean neverStored(String lowerCaseName) {
    return NEVER_STORED.contains(lowerCaseName) || lowerCaseName.startsWith("proxy-");
  }

  static String lower(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
