package dev.otto.core.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A path pattern of Otto's filter rules (rate limits, idempotency routes): an exact path
 * ({@code /api/greeting}), a prefix ({@code /api/**}, which also matches {@code /api} itself),
 * single-segment wildcards ({@code /api/*}{@code /items}, where {@code *} is one non-empty segment), or a
 * mix of both. Matching is literal and case-sensitive, segment by segment; it never allocates.
 *
 * <p>Patterns match {@link #pathWithinApplication the path the container mapped the request by}, never the
 * raw request URI, so path parameters ({@code ;jsessionid}), percent-encoding and dot segments cannot
 * slip a request past a rule. Immutable and thread-safe.
 */
public final class PathPattern {

  private final String pattern;
  private final String[] segments;
  private final boolean prefix;

  private PathPattern(String pattern, String[] segments, boolean prefix) {
    this.pattern = pattern;
    this.segments = segments;
    this.prefix = prefix;
  }

  /**
   * Compiles a pattern.
   *
   * @throws IllegalArgumentException naming the pattern when it does not start with {@code /}, uses
   *     {@code *} or {@code **} other than as a whole segment ({@code **} only at the end), or contains
   *     spaces, control characters, {@code ?} or {@code #}
   */
  public static PathPattern compile(String pattern) {
    Objects.requireNonNull(pattern, "path");
    if (!pattern.startsWith("/")) {
      throw invalid(pattern, "it must start with '/'");
    }
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c <= 0x20 || c == 0x7f || c == '?' || c == '#') {
        throw invalid(pattern, "it must not contain spaces, control characters, '?' or '#'");
      }
    }
    String[] parts = pattern.substring(1).split("/", -1);
    boolean prefix = parts[parts.length - 1].equals("**");
    int count = prefix ? parts.length - 1 : parts.length;
    String[] segments = new String[count];
    for (int i = 0; i < count; i++) {
      String part = parts[i];
      if (part.equals("**")) {
        throw invalid(pattern, "'**' is only allowed as the last segment");
      }
      if (part.contains("*") && !part.equals("*")) {
        throw invalid(pattern, "'*' must be a whole segment, as in /api/*/items");
      }
      segments[i] = part;
    }
    return new PathPattern(pattern, segments, prefix);
  }

  private static IllegalArgumentException invalid(String pattern, String reason) {
    return new IllegalArgumentException("path must be a pattern such as /api/greeting, /api/** or "
        + "/api/*/items: '" + pattern + "': " + reason);
  }

  /** Returns whether {@code path} (starting with {@code /}) matches. */
  public boolean matches(String path) {
    int position = 0;
    for (String segment : segments) {
      if (position >= path.length() || path.charAt(position) != '/') {
        return false;
      }
      int start = position + 1;
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = path.length();
      }
      if (segment.equals("*")) {
        if (end == start) {
          return false;
        }
      } else if (end - start != segment.length() || !path.startsWith(segment, start)) {
        return false;
      }
      position = end;
    }
    return prefix || position == path.length();
  }

  @Override
  public String toString() {
    return pattern;
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof PathPattern that && pattern.equals(that.pattern);
  }

  @Override
  public int hashCode() {
    return pattern.hashCode();
  }

  /**
   * The path the container mapped the request by: servlet path followed by path info, decoded, without
   * path parameters, with dot segments resolved (Servlet 6, section 3.5); {@code /} when both are empty.
   */
  public static String pathWithinApplication(HttpServletRequest request) {
    String servletPath = request.getServletPath();
    String pathInfo = request.getPathInfo();
    String path;
    if (pathInfo == null || pathInfo.isEmpty()) {
      path = servletPath == null ? "" : servletPath;
    } else if (servletPath == null || servletPath.isEmpty()) {
      path = pathInfo;
    } else {
      path = servletPath + pathInfo;
    }
    return path.isEmpty() ? "/" : path;
  }
}
