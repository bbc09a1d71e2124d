package dev.otto.ratelimit.servlet;

import org.jspecify.annotations.Nullable;

/**
 * An IPv4 or IPv6 address as 128 bits, parsed from a literal without any name lookup. IPv4 addresses are
 * held as IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}), so {@code 10.0.0.1} and
 * {@code ::ffff:10.0.0.1} are the same address and one {@link Cidr} type covers both families.
 *
 * <p>{@link #toString()} is the normal form used as a rate-limit key: dotted decimal for IPv4 (and IPv4-mapped
 * IPv6), otherwise the RFC 5952 form (lower case, no leading zeros, the longest run of two or more zero
 * groups compressed to {@code ::}). So {@code ::1}, {@code 0:0:0:0:0:0:0:1} and {@code 0::01} are one key.
 */
final class IpAddress {

  /** The high 32 bits of the low half of every IPv4-mapped address. */
  private static final long MAPPED_MARK = 0xffffL;

  /** The high half of NAT64's well-known prefix, {@code 64:ff9b::/96}. */
  private static final long NAT64_HIGH = 0x0064_ff9b_0000_0000L;

  /** The longest IPv6 literal: eight groups of four, seven colons; or six groups and an IPv4 tail. */
  private static final int MAX_V6_LENGTH = 45;

  final long high;
  final long low;

  IpAddress(long high, long low) {
    this.high = high;
    this.low = low;
  }

  /** Returns whether this is an IPv4 address (an IPv4-mapped IPv6 address). */
  boolean isV4() {
    return high == 0 && (low >>> 32) == MAPPED_MARK;
  }

  /**
   * Returns whether this address stands for one IPv4 host: an IPv4 address, or one under NAT64's
   * well-known prefix {@code 64:ff9b::/96} (RFC 6052), which translators give IPv4 clients.
   */
  boolean isOneV4Host() {
    return isV4() || (high == NAT64_HIGH && (low >>> 32) == 0);
  }

  /**
   * Parses an IPv4 or IPv6 literal: no brackets, ports, zone ids or surrounding spaces.
   *
   * @return the address, or {@code null} when {@code text} is not exactly such a literal
   */
  static @Nullable IpAddress parse(@Nullable String text) {
    if (text == null) {
      return null;
    }
    return parse(text, 0, text.length());
  }

  /** Parses the literal in {@code text[from, to)}; see {@link #parse(String)}. */
  static @Nullable IpAddress parse(CharSequence text, int from, int to) {
    for (int i = from; i < to; i++) {
      if (text.charAt(i) == ':') {
        return parseV6(text, from, to);
      }
    }
    long v4 = parseV4(text, from, to);
    return v4 < 0 ? null : new IpAddress(0, (MAPPED_MARK << 32) | v4);
  }

  /**
   * Parses an address as proxies write it in {@code X-Forwarded-For}: a literal, {@code [v6]},
   * {@code [v6]:port} or {@code v4:port}. The port is dropped.
   *
   * @return the address, or {@code null} when {@code text[from, to)} is none of these forms
   */
  static @Nullable IpAddress parseForwarded(CharSequence text, int from, int to) {
    if (from >= to) {
      return null;
    }
    if (text.charAt(from) == '[') {
      int close = -1;
      for (int i = from + 1; i < to; i++) {
        if (text.charAt(i) == ']') {
          close = i;
          break;
        }
      }
      if (close < 0) {
        return null;
      }
      if (close + 1 < to && !(text.charAt(close + 1) == ':' && isPort(text, close + 2, to))) {
        return null;
      }
      return parseV6(text, from + 1, close);
    }
    int colons = 0;
    int colon = -1;
    for (int i = from; i < to; i++) {
      if (text.charAt(i) == ':') {
        colons++;
        colon = i;
      }
    }
    if (colons == 1) {
      if (!isPort(text, colon + 1, to)) {
        return null;
      }
      long v4 = parseV4(text, from, colon);
      return v4 < 0 ? null : new IpAddress(0, (MAPPED_MARK << 32) | v4);
    }
    return parse(text, from, to);
  }

  private static boolean isPort(CharSequence text, int from, int to) {
    if (to - from < 1 || to - from > 5) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * Parses a dotted-decimal IPv4 literal: four decimal parts 0–255 without leading zeros (which some
   * parsers read as octal, so they are refused rather than guessed).
   *
   * @return the address as an unsigned 32-bit value, or -1 when invalid
   */
  static long parseV4(CharSequence text, int from, int to) {
    if (to - from < 7 || to - from > 15) {
      return -1;
    }
    long result = 0;
    int parts = 0;
    int i = from;
    while (true) {
      int start = i;
      int value = 0;
      while (i < to && i - start < 3) {
        char c = text.charAt(i);
        if (c < '0' || c > '9') {
          break;
        }
        value = value * 10 + (c - '0');
        i++;
      }
      int digits = i - start;
      if (digits == 0 || value > 255 || (digits > 1 && text.charAt(start) == '0')) {
        return -1;
      }
      result = (result << 8) | value;
      parts++;
      if (i == to) {
        return parts == 4 ? result : -1;
      }
      if (parts == 4 || text.charAt(i) != '.') {
        return -1;
      }
      i++;
    }
  }

  private static @Nullable IpAddress parseV6(CharSequence text, int from, int to) {
    int length = to - from;
    if (length < 2 || length > MAX_V6_LENGTH) {
      return null;
    }
    int[] groups = new int[8];
    int count = 0;
    int gap = -1;
    int i = from;
    if (text.charAt(i) == ':') {
      if (text.charAt(i + 1) != ':') {
        return null;
      }
      gap = 0;
      i += 2;
    }
    while (i < to) {
      if (count == 8) {
        return null;
      }
      int start = i;
      int value = 0;
      while (i < to && i - start < 4) {
        int digit = hexDigit(text.charAt(i));
        if (digit < 0) {
          break;
        }
        value = (value << 4) | digit;
        i++;
      }
      if (i < to && text.charAt(i) == '.') {
        if (count > 6) {
          return null;
        }
        long v4 = parseV4(text, start, to);
        if (v4 < 0) {
          return null;
        }
        groups[count++] = (int) (v4 >>> 16);
        groups[count++] = (int) (v4 & 0xffff);
        break;
      }
      if (i == start) {
        return null;
      }
      groups[count++] = value;
      if (i == to) {
        break;
      }
      if (text.charAt(i) != ':') {
        return null;
      }
      i++;
      if (i == to) {
        return null; // a single trailing colon
      }
      if (text.charAt(i) == ':') {
        if (gap >= 0) {
          return null;
        }
        gap = count;
        i++;
      }
    }
    if (gap < 0) {
      if (count != 8) {
        return null;
      }
    } else {
      if (count > 7) {
        return null; // "::" stands for at least one group
      }
      int tail = count - gap;
      System.arraycopy(groups, gap, groups, 8 - tail, tail);
      for (int g = gap; g < 8 - tail; g++) {
        groups[g] = 0;
      }
    }
    long high = 0;
    long low = 0;
    for (int g = 0; g < 4; g++) {
      high = (high << 16) | groups[g];
      low = (low << 16) | groups[g + 4];
    }
    return new IpAddress(high, low);
  }

  /** ASCII hex only: {@code Character.digit} would also accept other scripts' digits. */
  private static int hexDigit(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }

  /**
   * Returns the network of this address: its first {@code prefixLength} bits (0–128), the rest zero. Used
   * to key a client by the network it holds rather than by one address it can swap for another.
   *
   * @return this address when it has no bits beyond the prefix, so a network costs no allocation
   */
  IpAddress network(int prefixLength) {
    long maskedHigh = high & halfMask(prefixLength);
    long maskedLow = low & halfMask(prefixLength - 64);
    return maskedHigh == high && maskedLow == low ? this : new IpAddress(maskedHigh, maskedLow);
  }

  /**
   * The mask of the first {@code bits} bits of a 64-bit half: 0 for bits ≤ 0, all ones for bits ≥ 64. The
   * low half's mask is {@code halfMask(prefixLength - 64)}.
   */
  static long halfMask(int bits) {
    if (bits <= 0) {
      return 0;
    }
    if (bits >= 64) {
      return -1L;
    }
    return -1L << (64 - bits);
  }

  /** The group (0–7) of this address, 16 bits. */
  private int group(int index) {
    long half = index < 4 ? high : low;
    return (int) ((half >>> (16 * (3 - (index & 3)))) & 0xffff);
  }

  @Override
  public String toString() {
    if (isV4()) {
      return ((low >>> 24) & 0xff) + "." + ((low >>> 16) & 0xff) + "." + ((low >>> 8) & 0xff) + "."
          + (low & 0xff);
    }
    // RFC 5952 section 4.2: compress the longest run of at least two zero groups, the first on a tie.
    int bestStart = -1;
    int bestLength = 1;
    int runStart = -1;
    for (int g = 0; g <= 8; g++) {
      boolean zero = g < 8 && group(g) == 0;
      if (zero && runStart < 0) {
        runStart = g;
      } else if (!zero && runStart >= 0) {
        if (g - runStart > bestLength) {
          bestStart = runStart;
          bestLength = g - runStart;
        }
        runStart = -1;
      }
    }
    StringBuilder text = new StringBuilder(39);
    for (int g = 0; g < 8; g++) {
      if (g == bestStart) {
        text.append("::");
        g += bestLength - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(group(g)));
    }
    return text.toString();
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof IpAddress that && high == that.high && low == that.low;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(high) * 31 + Long.hashCode(low);
  }
}
