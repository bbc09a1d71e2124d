package dev.otto.ratelimit.servlet;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A range of IP addresses, {@code address/prefix}, or a single address. IPv4 ranges are held as ranges of
 * IPv4-mapped IPv6 addresses ({@code 10.0.0.0/8} is {@code ::ffff:10.0.0.0/104}), so an IPv4 peer that a
 * dual-stack server reports as {@code ::ffff:10.1.2.3} is inside {@code 10.0.0.0/8}, and {@code ::/0}
 * contains every address of both families while {@code 0.0.0.0/0} contains every IPv4 address only.
 *
 * <p>Immutable and thread-safe; {@link #contains} does not allocate.
 */
final class Cidr {

  private final IpAddress network;
  private final int prefix;
  private final long maskHigh;
  private final long maskLow;

  private Cidr(IpAddress network, int prefix) {
    this.network = network;
    this.prefix = prefix;
    this.maskHigh = IpAddress.halfMask(prefix);
    this.maskLow = IpAddress.halfMask(prefix - 64);
  }

  /**
   * Parses {@code a.b.c.d/n} (n 0–32), an IPv6 literal with {@code /n} (n 0–128), or a single address
   * (as {@code /32} or {@code /128}). Literals only: no host names, so nothing is ever looked up.
   *
   * @param text the range as configured
   * @return the range
   * @throws IllegalArgumentException naming {@code text} when it is not such a range, or when it has bits
   *     set beyond the prefix (a likely typo; the message names the network that was probably meant)
   */
  static Cidr parse(String text) {
    Objects.requireNonNull(text, "trusted proxy must not be null");
    int slash = text.indexOf('/');
    String addressText = slash < 0 ? text : text.substring(0, slash);
    IpAddress address = IpAddress.parse(addressText);
    if (address == null) {
      throw invalid(text, "the address is not an IPv4 or IPv6 literal");
    }
    boolean v4Literal = addressText.indexOf(':') < 0;
    int bits = v4Literal ? 32 : 128;
    int prefix = bits;
    if (slash >= 0) {
      prefix = parsePrefix(text, slash + 1, bits);
      if (prefix < 0) {
        throw invalid(text, "the prefix length must be a whole number from 0 to " + bits);
      }
    }
    int mappedPrefix = v4Literal ? prefix + 96 : prefix;
    IpAddress network = address.network(mappedPrefix);
    if (!network.equals(address)) {
      throw invalid(text, "it has bits set beyond the /" + prefix + " prefix; did you mean "
          + new Cidr(network, mappedPrefix) + "?");
    }
    return new Cidr(address, mappedPrefix);
  }

  private static int parsePrefix(String text, int from, int max) {
    int length = text.length() - from;
    if (length < 1 || length > 3) {
      return -1;
    }
    int value = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    if (length > 1 && text.charAt(from) == '0') {
      return -1;
    }
    return value <= max ? value : -1;
  }

  private static IllegalArgumentException invalid(String text, String reason) {
    return new IllegalArgumentException("trusted proxy must be an IP address or a CIDR range such as "
        + "10.0.0.0/8 or fd00::/8 (literals only, no host names): '" + text + "': " + reason);
  }

  /** Returns whether {@code address} lies in this range. */
  boolean contains(IpAddress address) {
    return (address.high & maskHigh) == network.high && (address.low & maskLow) == network.low;
  }

  /** Returns the prefix length in the 128-bit space (IPv4 ranges have 96 added). */
  int prefixLength() {
    return prefix;
  }

  /** Returns the range in its normal form: {@code 10.0.0.0/8}, {@code ::1/128}, {@code fd00::/8}. */
  @Override
  public String toString() {
    if (network.isV4() && prefix >= 96) {
      return network + "/" + (prefix - 96);
    }
    return network + "/" + prefix;
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof Cidr that && prefix == that.prefix && network.equals(that.network);
  }

  @Override
  public int hashCode() {
    return network.hashCode() * 31 + prefix;
  }
}
