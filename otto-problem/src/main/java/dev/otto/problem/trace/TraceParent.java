package dev.otto.problem.trace;

import org.jspecify.annotations.Nullable;

/**
 * A strictly parsed W3C Trace Context {@code traceparent} header:
 * {@code <2 hex version>-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}, all lowercase, neither id
 * all zeros. Version {@code 00} must be exactly 55 characters. Version {@code ff} is invalid. Any other
 * version is newer than this one, and the specification ("Versioning of traceparent") asks us to read
 * it as far as version {@code 00} goes rather than restart the trace: the same fields at the same
 * positions, and either nothing after the flags or a {@code -} that starts fields we do not know and
 * ignore, up to {@value #MAX_LENGTH} characters in all. Anything else is rejected, so nothing a client
 * sends is trusted unless its first 55 characters are exactly this shape.
 *
 * <p>The version is not kept: only the version-{@code 00} fields are understood, so a header ever built
 * from this value would have to be version {@code 00}, as the specification requires.
 */
record TraceParent(String traceId, String parentId, String flags) {

  static final int LENGTH = 55;

  /**
   * The longest header of a newer version that is read. The specification sets no bound on the fields a
   * later version may add, but an oversized header is input we ignore rather than trust: this is the
   * bound the specification recommends for all of {@code tracestate}, ample for a few more fields.
   */
  static final int MAX_LENGTH = 512;

  /** Returns the parsed header, or {@code null} if {@code header} is absent or not exactly valid. */
  static @Nullable TraceParent parse(@Nullable String header) {
    if (header == null || header.length() < LENGTH || header.length() > MAX_LENGTH
        || !isLowerHex(header, 0, 2)) {
      return null;
    }
    if (header.startsWith("ff")) {
      return null;
    }
    // A newer version may append fields, always after a dash; version 00 has none.
    if (header.length() > LENGTH && (header.startsWith("00") || header.charAt(LENGTH) != '-')) {
      return null;
    }
    if (header.charAt(2) != '-' || header.charAt(35) != '-' || header.charAt(52) != '-') {
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
