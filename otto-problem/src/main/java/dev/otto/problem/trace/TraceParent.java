package dev.otto.problem.trace;

import org.jspecify.annotations.Nullable;

/**
 * A strictly parsed W3C Trace Context {@code traceparent} header, version {@code 00}:
 * {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}, all lowercase, exactly 55 characters,
 * neither id all zeros. Anything else is rejected, so nothing a client sends is ever trusted unless it is
 * exactly this shape.
 */
record TraceParent(String traceId, String parentId, String flags) {

  static final int LENGTH = 55;

  /** Returns the parsed header, or {@code null} if {@code header} is absent or not exactly valid. */
  static @Nullable TraceParent parse(@Nullable String header) {
    if (header == null || header.length() != LENGTH) {
      return null;
    }
    if (header.charAt(0) != '0' || header.charAt(1) != '0' || header.charAt(2) != '-'
        || header.charAt(35) != '-' || header.charAt(52) != '-') {
      return null;
    }
    if (!isLowerHex(header, 3, 35) || !isLowerHex(header, 36, 52) || !isLowerHex(header, 53, 55)) {
      return null;
    }
    if (isAllZeros(header, 3, 35) || isAllZeros(header, 36, 52)) {
      return null;
    }
    return new TraceParent(
        header.substring(3, 35), header.substring(36, 52), header.substring(53, 55));
  }

  private static boolean isLowerHex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAllZeros(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }
}
