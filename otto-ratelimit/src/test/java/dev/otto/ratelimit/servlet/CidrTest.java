package dev.otto.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.math.BigInteger;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

  @ParameterizedTest
  @CsvSource({
      "10.0.0.0/8, 10.255.1.2, true",
      "10.0.0.0/8, 11.0.0.0, false",
      "10.0.0.0/8, ::ffff:10.1.2.3, true",
      "127.0.0.1, 127.0.0.1, true",
      "127.0.0.1, 127.0.0.2, false",
      "127.0.0.1/32, 127.0.0.1, true",
      "0.0.0.0/0, 203.0.113.9, true",
      "0.0.0.0/0, 2001:db8::1, false",
      "::/0, 2001:db8::1, true",
      "::/0, 203.0.113.9, true",
      "::1, ::1, true",
      "::1, 0:0:0:0:0:0:0:1, true",
      "::1/128, ::2, false",
      "fd00::/8, fdab:1::1, true",
      "fd00::/8, fe00::1, false",
      "2001:db8::/32, 2001:db8:ffff::1, true",
      "2001:db8::/32, 2001:db9::1, false",
      "::ffff:127.0.0.0/104, 127.9.9.9, true",
      "192.168.1.0/24, 192.168.1.255, true",
      "192.168.1.0/24, 192.168.2.0, false",
      "192.168.1.128/25, 192.168.1.127, false",
  })
  void containsExactlyTheAddressesOfItsPrefix(String range, String address, boolean contained) {
    assertThat(Cidr.parse(range).contains(IpAddress.parse(address))).isEqualTo(contained);
  }

  @ParameterizedTest
  @CsvSource({
      "10.0.0.0/8, 10.0.0.0/8",
      "127.0.0.1, 127.0.0.1/32",
      "::1, ::1/128",
      "0:0:0:0:0:0:0:1/128, ::1/128",
      "::ffff:10.0.0.0/104, 10.0.0.0/8",
      "FD00::/8, fd00::/8",
      "::/0, ::/0",
  })
  void printsItsNormalForm(String range, String normal) {
    assertThat(Cidr.parse(range)).hasToString(normal);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "example.com", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1",
      "10.0.0.0/8/8", "10.0.0.0/08", "10.0.0.0/x", "::/129", "10.0.0/8", "1.2.3.4.5/32", "10.0.0.0 /8",
      " 10.0.0.0/8", "*", "10.0.0.*", "[::1]", "::1%lo/128"})
  void refusesAnythingButAnAddressOrRangeNamingTheEntry(String entry) {
    assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse(entry))
        .withMessageContaining("'" + entry + "'")
        .withMessageContaining("trusted proxy");
  }

  @Test
  void refusesHostBitsBeyondThePrefixSuggestingTheNetwork() {
    assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("10.1.2.3/8"))
        .withMessageContaining("'10.1.2.3/8'")
        .withMessageContaining("did you mean 10.0.0.0/8?");
    assertThatIllegalArgumentException().isThrownBy(() -> Cidr.parse("2001:db8::1/32"))
        .withMessageContaining("did you mean 2001:db8::/32?");
  }

  @Test
  void prefixLengthZeroAndFullLengthAreAccepted() {
    assertThat(Cidr.parse("0.0.0.0/0").prefixLength()).isEqualTo(96);
    assertThat(Cidr.parse("1.2.3.4/32").prefixLength()).isEqualTo(128);
    assertThat(Cidr.parse("::/0").prefixLength()).isZero();
    assertThat(Cidr.parse("::1/128").prefixLength()).isEqualTo(128);
  }

  @Property
  void ipv6RangesContainExactlyTheAddressesSharingTheirPrefix(
      @ForAll @Size(16) byte[] network, @ForAll @Size(16) byte[] candidate, @ForAll @IntRange(max = 128) int prefix) {
    BigInteger net = new BigInteger(1, network).shiftRight(128 - prefix).shiftLeft(128 - prefix);
    String range = fullV6(toBytes(net)) + "/" + prefix;
    Cidr cidr = Cidr.parse(range);
    // Half the candidates share the prefix: take the network's prefix and the candidate's remaining bits.
    BigInteger host = new BigInteger(1, candidate);
    for (BigInteger address : new BigInteger[] {host, net.or(host.mod(BigInteger.ONE.shiftLeft(128 - prefix)))}) {
      boolean expected = address.shiftRight(128 - prefix).equals(net.shiftRight(128 - prefix));
      assertThat(cidr.contains(IpAddressTest.fromBytes(toBytes(address)))).as("%s in %s", address, range)
          .isEqualTo(expected);
    }
  }

  @Property
  void ipv4RangesContainExactlyTheAddressesSharingTheirPrefix(
      @ForAll int network, @ForAll int candidate, @ForAll @IntRange(max = 32) int prefix) {
    long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
    long net = Integer.toUnsignedLong(network) & mask;
    Cidr cidr = Cidr.parse(dotted(net) + "/" + prefix);
    long address = Integer.toUnsignedLong(candidate);
    assertThat(cidr.contains(IpAddress.parse(dotted(address)))).isEqualTo((address & mask) == net);
    assertThat(cidr.contains(IpAddress.parse(dotted(net | (address & ~mask & 0xffffffffL))))).isTrue();
    assertThat(cidr.contains(IpAddress.parse("::ffff:" + dotted(net)))).isTrue();
  }

  private static String dotted(long v4) {
    return (v4 >>> 24) + "." + ((v4 >>> 16) & 0xff) + "." + ((v4 >>> 8) & 0xff) + "." + (v4 & 0xff);
  }

  /** Uncompressed hex groups, so even an IPv4-mapped network is written as IPv6. */
  private static String fullV6(byte[] bytes) {
    StringBuilder text = new StringBuilder();
    for (int g = 0; g < 8; g++) {
      text.append(g == 0 ? "" : ":").append(Integer.toHexString(((bytes[2 * g] & 0xff) << 8) | (bytes[2 * g + 1] & 0xff)));
    }
    return text.toString();
  }

  private static byte[] toBytes(BigInteger value) {
    byte[] raw = value.toByteArray();
    byte[] bytes = new byte[16];
    int copy = Math.min(raw.length, 16);
    System.arraycopy(raw, raw.length - copy, bytes, 16 - copy, copy);
    return bytes;
  }
}
