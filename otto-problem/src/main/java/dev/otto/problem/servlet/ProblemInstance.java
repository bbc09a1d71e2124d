package dev.otto.problem.servlet;

import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * The {@code instance} of a problem written for a request: the request's path when it is safe to repeat,
 * otherwise {@code /}.
 *
 * <p>The path is the request URI as the client sent it (still percent-encoded, never the query). It is
 * repeated only when every character may appear in an RFC 3986 path, every percent escape is well formed,
 * it starts with {@code /} and it is at most {@value #MAX_LENGTH} characters long. Otherwise the problem
 * names {@code /}, still a path as every problem's {@code instance} is, and one that repeats nothing the
 * client sent: a request line may be as long as the container's header limit, oversized input is not
 * echoed, and a prefix of a path would name another resource. The cases are a container's relaxed parsing
 * options letting characters through, and requests the container rejected before parsing a path at all
 * (Tomcat leaves the URI {@code null} for {@code GET /foo|bar}).
 */
final class ProblemInstance {

  /** Longest request path repeated as {@code instance}. */
  static final int MAX_LENGTH = 2048;

  private ProblemInstance() {
  }

  /** The {@code instance} for a request whose URI is {@code requestUri} ({@code null} when none was parsed). */
  static String of(@Nullable String requestUri) {
    if (requestUri == null || !requestUri.startsWith("/") || requestUri.length() > MAX_LENGTH) {
      return "/";
    }
    int i = 0;
    while (i < requestUri.length()) {
      char c = requestUri.charAt(i);
      if (c == '%') {
        if (i + 2 >= requestUri.length() || !HexFormat.isHexDigit(requestUri.charAt(i + 1))
            || !HexFormat.isHexDigit(requestUri.charAt(i + 2))) {
          return "/";
        }
        i += 3;
      } else if (isPathChar(c)) {
        i++;
      } else {
        return "/";
      }
    }
    return requestUri;
  }

  // RFC 3986 pchar (less pct-encoded, handled above) and "/": unreserved, sub-delims, ":" and "@".
  private static boolean isPathChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
  }
}
