package dev.otto.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.http.HttpServletRequest;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
