package dev.otto.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.http.HttpServletRequest;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyResolverTest {

  private final ClientIpResolver clientIp = ClientIpResolver.builder().trustedProxies("127.0.0.1").build();

  @Test
  void prefixesKeysSoDifferentResolversNeverShareABucket() {
    HttpServletRequest request = FakeRequest.from("198.51.100.7")
        .header("X-Api-Key", "198.51.100.7").principal("198.51.100.7").build();
    assertThat(KeyResolver.clientIp(clientIp).resolve(request)).isEqualTo("ip:198.51.100.7");
    assertThat(KeyResolver.header("X-Api-Key").resolve(request)).isEqualTo("header:x-api-key:198.51.100.7");
    assertThat(KeyResolver.principal().resolve(request)).isEqualTo("principal:198.51.100.7");
  }

  @Test
  void headerNamesAreCaseInsensitiveInTheKey() {
    HttpServletRequest request = FakeRequest.from("127.0.0.1").header("x-api-key", "k1").build();
    assertThat(KeyResolver.header("X-API-KEY").resolve(request))
        .isEqualTo(KeyResolver.header("x-api-key").resolve(request));
  }

  @Test
  void clientIpKeysAreNormalised() {
    assertThat(KeyResolver.clientIp(clientIp).resolve(FakeRequest.from("0:0:0:0:0:0:0:1").build()))
        .isEqualTo("ip:::1");
    assertThat(KeyResolver.clientIp(clientIp).resolve(FakeRequest.from("/run/app.sock").build())).isNull();
  }

  @ParameterizedTest
  @CsvSource({
      "2001:db8:aaaa:bbcc:dddd:eeee:ffff:1, 128, ip:2001:db8:aaaa:bbcc:dddd:eeee:ffff:1",
      "2001:db8:aaaa:bbcc:dddd:eeee:ffff:1, 127, ip:2001:db8:aaaa:bbcc:dddd:eeee:ffff:0/127",
      "2001:db8:aaaa:bbcc:dddd:eeee:ffff:1, 64, ip:2001:db8:aaaa:bbcc::/64",
      "2001:db8:aaaa:bbcc:dddd:eeee:ffff:1, 56, ip:2001:db8:aaaa:bb00::/56",
      "2001:db8:aaaa:bbcc:dddd:eeee:ffff:1, 48, ip:2001:db8:aaaa::/48",
      "2001:db8:aaaa:bbcc:dddd:eeee:ffff:1, 1, ip:::/1",
      "8001:db8::1, 1, ip:8000::/1",
      "0:0:0:0:0:0:0:0, 64, ip:::/64",
      "::, 128, ip:::",
  })
  void keysIpv6ClientsByTheirNetworkInNormalFormWithItsLength(String address, int prefixLength, String key) {
    assertThat(KeyResolver.clientIp(clientIp, prefixLength).resolve(FakeRequest.from(address).build()))
        .isEqualTo(key);
  }

  @Property
  void ipv6AddressesShareAKeyExactlyWhenTheyAgreeOnThePrefix(
      @ForAll @Size(16) byte[] bytes,
      @ForAll @IntRange(min = 0, max = 127) int flippedBit,
      @ForAll @IntRange(min = 1, max = 128) int prefixLength) {
    IpAddress address = IpAddressTest.fromBytes(bytes);
    IpAddress other = flip(address, flippedBit);
    Assume.that(!address.isV4() && !other.isV4());
    KeyResolver byNetwork = KeyResolver.clientIp(clientIp, prefixLength);

    String key = byNetwork.resolve(FakeRequest.from(address.toString()).build());
    String otherKey = byNetwork.resolve(FakeRequest.from(other.toString()).build());

    assertThat(key.equals(otherKey)).as("%s and %s at /%d", address, other, prefixLength)
        .isEqualTo(flippedBit >= prefixLength);
  }

  @Property
  void aNetworkKeyIsNeverTheKeyOfAnAddress(
      @ForAll @Size(16) byte[] bytes, @ForAll @IntRange(min = 1, max = 127) int prefixLength) {
    IpAddress address = IpAddressTest.fromBytes(bytes);
    Assume.that(!address.isV4());
    HttpServletRequest request = FakeRequest.from(address.toString()).build();

    String key = KeyResolver.clientIp(clientIp, prefixLength).resolve(request);

    assertThat(key).startsWith("ip:").endsWith("/" + prefixLength);
    assertThat(IpAddress.parse(key.substring("ip:".length()))).as("an address key").isNull();
  }

  @Property
  void prefixLength128IsTheAddressKey(@ForAll @Size(16) byte[] bytes) {
    HttpServletRequest request = FakeRequest.from(IpAddressTest.fromBytes(bytes).toString()).build();
    assertThat(KeyResolver.clientIp(clientIp, 128).resolve(request))
        .isEqualTo(KeyResolver.clientIp(clientIp).resolve(request));
  }

  @Property
  void ipv4ClientsAreKeyedByTheirAddressWhateverThePrefixLength(
      @ForAll @Size(4) byte[] bytes, @ForAll @IntRange(min = 1, max = 128) int prefixLength) {
    String dotted = (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
    KeyResolver byNetwork = KeyResolver.clientIp(clientIp, prefixLength);
    assertThat(byNetwork.resolve(FakeRequest.from(dotted).build())).isEqualTo("ip:" + dotted);
    assertThat(byNetwork.resolve(FakeRequest.from("::ffff:" + dotted).build())).isEqualTo("ip:" + dotted);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 48, 56, 64, 127})
  void forwardedIpv4AndIpv4MappedClientsKeepTheirAddressKey(int prefixLength) {
    KeyResolver byNetwork = KeyResolver.clientIp(clientIp, prefixLength);
    assertThat(byNetwork.resolve(FakeRequest.from("127.0.0.1").header("X-Forwarded-For", "198.51.100.7").build()))
        .isEqualTo("ip:198.51.100.7");
    assertThat(byNetwork.resolve(
        FakeRequest.from("127.0.0.1").header("X-Forwarded-For", "[::ffff:198.51.100.7]:443").build()))
        .isEqualTo("ip:198.51.100.7");
    assertThat(byNetwork.resolve(FakeRequest.from("/run/app.sock").build())).isNull();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 48, 64, 96, 127})
  void ipv4ClientsSeenThroughNat64KeepTheirAddressKeyButOtherAddressesInItsPrefixDoNot(int prefixLength) {
    KeyResolver byNetwork = KeyResolver.clientIp(clientIp, prefixLength);
    // 64:ff9b::/96 embeds one IPv4 client per address (RFC 6052): two of them are two clients.
    assertThat(byNetwork.resolve(FakeRequest.from("64:ff9b::c633:6407").build())).isEqualTo("ip:64:ff9b::c633:6407");
    assertThat(byNetwork.resolve(FakeRequest.from("64:ff9b::c633:6408").build())).isEqualTo("ip:64:ff9b::c633:6408");
    // In 64:ff9b::/64 but outside the /96: not one IPv4 host, so the network is the key.
    assertThat(byNetwork.resolve(FakeRequest.from("64:ff9b:0:0:1::7").build())).endsWith("/" + prefixLength);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 129, Integer.MIN_VALUE, Integer.MAX_VALUE})
  void refusesAnIpv6PrefixLengthOutside1To128NamingIt(int prefixLength) {
    assertThatIllegalArgumentException().isThrownBy(() -> KeyResolver.clientIp(clientIp, prefixLength))
        .withMessageContaining("ipv6PrefixLength must be from 1 to 128")
        .withMessageEndingWith(": " + prefixLength);
  }

  /** {@code address} with bit {@code bit} flipped, counting from the first (most significant) bit. */
  private static IpAddress flip(IpAddress address, int bit) {
    return bit < 64
        ? new IpAddress(address.high ^ (1L << (63 - bit)), address.low)
        : new IpAddress(address.high, address.low ^ (1L << (127 - bit)));
  }

  @Test
  void aMissingOrEmptyHeaderIsNoKey() {
    assertThat(KeyResolver.header("X-Api-Key").resolve(FakeRequest.from("127.0.0.1").build())).isNull();
    assertThat(KeyResolver.header("X-Api-Key").resolve(FakeRequest.from("127.0.0.1").header("X-Api-Key", "").build()))
        .isNull();
  }

  @Test
  void anUnauthenticatedRequestHasNoPrincipalKey() {
    assertThat(KeyResolver.principal().resolve(FakeRequest.from("127.0.0.1").build())).isNull();
    assertThat(KeyResolver.principal().resolve(FakeRequest.from("127.0.0.1").principal("").build())).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"a b", "a\tb", "\u0001", "k\u007f", "caf\u00e9", "a\r\nInjected: x", "\u2028"})
  void aHeaderValueOutsideVisibleAsciiIsAnInvalidKeyWhoseMessageDoesNotRepeatIt(String value) {
    HttpServletRequest request = FakeRequest.from("127.0.0.1").header("X-Api-Key", value).build();
    assertThatThrownBy(() -> KeyResolver.header("X-Api-Key").resolve(request))
        .isInstanceOf(InvalidRateLimitKeyException.class)
        .hasMessageContaining("X-Api-Key")
        .hasMessageNotContaining(value);
  }

  @Test
  void aHeaderValueLongerThan256CharactersIsAnInvalidKey() {
    KeyResolver header = KeyResolver.header("X-Api-Key");
    String longest = "k".repeat(256);
    assertThat(header.resolve(FakeRequest.from("127.0.0.1").header("X-Api-Key", longest).build()))
        .isEqualTo("header:x-api-key:" + longest);
    HttpServletRequest tooLong = FakeRequest.from("127.0.0.1").header("X-Api-Key", longest + "k").build();
    assertThatThrownBy(() -> header.resolve(tooLong)).isInstanceOf(InvalidRateLimitKeyException.class);
  }

  @Test
  void aHeaderSentTwiceIsAnInvalidKeyBecauseOthersMayReadTheOtherValue() {
    HttpServletRequest request = FakeRequest.from("127.0.0.1")
        .header("X-Api-Key", "k1").header("X-Api-Key", "k2").build();
    assertThatThrownBy(() -> KeyResolver.header("X-Api-Key").resolve(request))
        .isInstanceOf(InvalidRateLimitKeyException.class);
  }

  @Property
  void everyVisibleAsciiValueUpTo256CharactersIsItsOwnKey(
      @ForAll @CharRange(from = 0x21, to = 0x7e) @StringLength(min = 1, max = 256) String value) {
    HttpServletRequest request = FakeRequest.from("127.0.0.1").header("X-Api-Key", value).build();
    assertThat(KeyResolver.header("X-Api-Key").resolve(request)).isEqualTo("header:x-api-key:" + value);
  }

  @Test
  void firstOfTakesTheFirstKeyFound() {
    KeyResolver apiKeyOrIp = KeyResolver.firstOf(KeyResolver.header("X-Api-Key"), KeyResolver.clientIp(clientIp));
    assertThat(apiKeyOrIp.resolve(FakeRequest.from("198.51.100.7").header("X-Api-Key", "k1").build()))
        .isEqualTo("header:x-api-key:k1");
    assertThat(apiKeyOrIp.resolve(FakeRequest.from("198.51.100.7").build())).isEqualTo("ip:198.51.100.7");
    assertThat(KeyResolver.firstOf(request -> null, request -> "").resolve(FakeRequest.from("1.2.3.4").build()))
        .isNull();
  }

  @Test
  void firstOfStopsAtAnInvalidKeyInsteadOfFallingBackToTheNextResolver() {
    KeyResolver apiKeyOrIp = KeyResolver.firstOf(KeyResolver.header("X-Api-Key"), KeyResolver.clientIp(clientIp));
    HttpServletRequest request = FakeRequest.from("198.51.100.7").header("X-Api-Key", "bad key").build();
    assertThatThrownBy(() -> apiKeyOrIp.resolve(request)).isInstanceOf(InvalidRateLimitKeyException.class);
  }

  @Test
  void refusesBadConfigurationAtOnce() {
    assertThatIllegalArgumentException().isThrownBy(() -> KeyResolver.header("X Api Key"))
        .withMessageContaining("'X Api Key'");
    assertThatIllegalArgumentException().isThrownBy(() -> KeyResolver.header(""))
        .withMessageContaining("''");
    assertThatIllegalArgumentException().isThrownBy(KeyResolver::firstOf)
        .withMessageContaining("at least one resolver");
    assertThatThrownBy(() -> KeyResolver.firstOf(KeyResolver.principal(), null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("resolvers[1]");
  }

  @Test
  void builtInResolversDescribeThemselves() {
    assertThat(KeyResolver.header("X-Api-Key")).hasToString("header(X-Api-Key)");
    assertThat(KeyResolver.principal()).hasToString("principal()");
  }
}
