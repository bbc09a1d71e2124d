package dev.otto.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {

  private static final BigInteger UNSIGNED_64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  @ParameterizedTest
  @CsvSource({
      "127.0.0.1, 127.0.0.1",
      "0.0.0.0, 0.0.0.0",
      "255.255.255.255, 255.255.255.255",
      "::1, ::1",
      "0:0:0:0:0:0:0:1, ::1",
      "0000:0000:0000:0000:0000:0000:0000:0001, ::1",
      "::, ::",
      "2001:DB8::A, 2001:db8::a",
      "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
      "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
      "2001:0db8:0000:0000:0000:ff00:0042:8329, 2001:db8::ff00:42:8329",
      "1:0:0:2:0:0:0:3, 1:0:0:2::3",
      "1::, 1::",
      "::ffff:192.0.2.1, 192.0.2.1",
      "::ffff:c000:0201, 192.0.2.1",
      "0:0:0:0:0:ffff:7f00:1, 127.0.0.1",
      "::192.0.2.1, ::c000:201",
      "64:ff9b::192.0.2.33, 64:ff9b::c000:221",
  })
  void normalisesLiteralsSoOneAddressIsOneKey(String literal, String normalised) {
    assertThat(IpAddress.parse(literal)).hasToString(normalised);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "unknown", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04",
      "1.2.3.-4", " 1.2.3.4", "1.2.3.4 ", "1..2.3", "1.2.3.4:80", "[::1]", "::1%eth0", "fe80::1%1", ":::",
      "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3", "12345::", "::g", ":1", "1:", "1:2:3:4:5:6:7:8::",
      "::1:2:3:4:5:6:7:8", "::ffff:1.2.3", "::ffff:1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4", "١.٢.٣.٤", "::١",
      "_gateway", "0x7f.0.0.1", "2130706433"
  })
  void refusesEverythingThatIsNotExactlyALiteral(String text) {
    assertThat(IpAddress.parse(text)).isNull();
  }

  @ParameterizedTest
  @CsvSource({
      "192.0.2.1:8080, 192.0.2.1",
      "[2001:db8::1], 2001:db8::1",
      "[2001:db8::1]:443, 2001:db8::1",
      "[::ffff:192.0.2.1]:1, 192.0.2.1",
      "2001:db8::1, 2001:db8::1",
  })
  void readsTheAddressFormsProxiesWriteInForwardedFor(String entry, String address) {
    assertThat(IpAddress.parseForwarded(entry, 0, entry.length())).hasToString(address);
  }

  @ParameterizedTest
  @ValueSource(strings = {"[2001:db8::1", "[2001:db8::1]x", "[2001:db8::1]:", "[2001:db8::1]:123456",
      "192.0.2.1:", "192.0.2.1:http", "[192.0.2.1]", "host:80"})
  void refusesMalformedForwardedForms(String entry) {
    assertThat(IpAddress.parseForwarded(entry, 0, entry.length())).isNull();
  }

  @Test
  void holdsIpv4AsMappedIpv6() {
    assertThat(IpAddress.parse("10.1.2.3")).isEqualTo(IpAddress.parse("::ffff:10.1.2.3"));
    assertThat(IpAddress.parse("10.1.2.3").isV4()).isTrue();
    assertThat(IpAddress.parse("::10.1.2.3").isV4()).isFalse();
  }

  @Property
  void everyIpv6AddressRoundTripsThroughItsNormalForm(@ForAll @Size(16) byte[] bytes) throws UnknownHostException {
    IpAddress address = fromBytes(bytes);
    String normal = address.toString();
    assertThat(IpAddress.parse(normal)).isEqualTo(address);
    assertThat(normal).isEqualTo(normal.toLowerCase(Locale.ROOT)).doesNotContain(":::");
    // The JDK's uncompressed form (from bytes, so no lookup) is the same address and the same key.
    InetAddress jdk = InetAddress.getByAddress(bytes);
    assertThat(IpAddress.parse(jdk.getHostAddress())).isEqualTo(address);
  }

  @Property
  void spellingsOfOneIpv6AddressShareOneKey(@ForAll("sparseV6") byte[] bytes) {
    IpAddress address = fromBytes(bytes);
    StringBuilder full = new StringBuilder();
    StringBuilder padded = new StringBuilder();
    for (int g = 0; g < 8; g++) {
      int group = ((bytes[2 * g] & 0xff) << 8) | (bytes[2 * g + 1] & 0xff);
      if (g > 0) {
        full.append(':');
        padded.append(':');
      }
      full.append(Integer.toHexString(group));
      padded.append(String.format("%04X", group));
    }
    assertThat(IpAddress.parse(full.toString())).hasToString(address.toString());
    assertThat(IpAddress.parse(padded.toString())).hasToString(address.toString());
  }

  @Property
  void normalFormIsTheRfc5952Form(@ForAll("sparseV6") byte[] bytes) {
    IpAddress address = fromBytes(bytes);
    if (address.isV4()) {
      return; // IPv4-mapped addresses are written as dotted IPv4
    }
    assertThat(address).hasToString(rfc5952(bytes));
  }

  @Property
  void ipv4AddressesRoundTrip(@ForAll @Size(4) byte[] bytes) throws UnknownHostException {
    String dotted = InetAddress.getByAddress(bytes).getHostAddress();
    assertThat(IpAddress.parse(dotted)).hasToString(dotted);
    assertThat(IpAddress.parse("::ffff:" + dotted)).hasToString(dotted);
  }

  @ParameterizedTest
  @CsvSource({
      "2001:db8:1:2:3:4:5:7, 128, 2001:db8:1:2:3:4:5:7",
      "2001:db8:1:2:3:4:5:7, 127, 2001:db8:1:2:3:4:5:6",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 65, ffff:ffff:ffff:ffff:8000::",
      "2001:db8:1:2:3:4:5:7, 64, 2001:db8:1:2::",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 63, ffff:ffff:ffff:fffe::",
      "2001:db8:1:2ff:3:4:5:7, 56, 2001:db8:1:200::",
      "2001:db8:1:2:3:4:5:7, 48, 2001:db8:1::",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 1, 8000::",
      "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, 1, ::",
      "::, 64, ::",
      "::1, 0, ::",
  })
  void theNetworkKeepsTheFirstPrefixLengthBits(String literal, int prefixLength, String network) {
    assertThat(IpAddress.parse(literal).network(prefixLength)).hasToString(network);
  }

  @Property
  void theNetworkIsTheAddressWithEveryBitBeyondThePrefixCleared(
      @ForAll @Size(16) byte[] bytes, @ForAll @IntRange(min = 0, max = 128) int prefixLength) {
    BigInteger value = new BigInteger(1, bytes);
    BigInteger expected = value.shiftRight(128 - prefixLength).shiftLeft(128 - prefixLength);
    IpAddress network = fromBytes(bytes).network(prefixLength);
    assertThat(BigInteger.valueOf(network.high).and(UNSIGNED_64).shiftLeft(64)
        .or(BigInteger.valueOf(network.low).and(UNSIGNED_64))).isEqualTo(expected);
  }

  @Property
  void aNetworkIsItsOwnNetworkAndCostsNoNewObject(
      @ForAll @Size(16) byte[] bytes, @ForAll @IntRange(min = 0, max = 128) int prefixLength) {
    IpAddress network = fromBytes(bytes).network(prefixLength);
    assertThat(network.network(prefixLength)).isSameAs(network);
    assertThat(network.network(128)).isSameAs(network);
  }

  /** Addresses with many zero groups, so compression cases are common. */
  @Provide
  Arbitrary<byte[]> sparseV6() {
    return Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(0, 0xffff))
        .list().ofSize(8)
        .map(groups -> {
          byte[] bytes = new byte[16];
          for (int g = 0; g < 8; g++) {
            bytes[2 * g] = (byte) (groups.get(g) >>> 8);
            bytes[2 * g + 1] = (byte) (int) groups.get(g);
          }
          return bytes;
        });
  }

  /** An independent reading of RFC 5952 section 4: the oracle for the normal form. */
  private static String rfc5952(byte[] bytes) {
    String[] groups = new String[8];
    for (int g = 0; g < 8; g++) {
      groups[g] = Integer.toHexString(((bytes[2 * g] & 0xff) << 8) | (bytes[2 * g + 1] & 0xff));
    }
    int bestStart = -1;
    int bestLength = 0;
    for (int start = 0; start < 8; start++) {
      int length = 0;
      while (start + length < 8 && groups[start + length].equals("0")) {
        length++;
      }
      if (length >= 2 && length > bestLength) {
        bestStart = start;
        bestLength = length;
      }
    }
    if (bestStart < 0) {
      return String.join(":", groups);
    }
    return String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart)) + "::"
        + String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, 8));
  }

  static IpAddress fromBytes(byte[] bytes) {
    long high = 0;
    long low = 0;
    for (int i = 0; i < 8; i++) {
      high = (high << 8) | (bytes[i] & 0xff);
      low = (low << 8) | (bytes[i + 8] & 0xff);
    }
    return new IpAddress(high, low);
  }
}
