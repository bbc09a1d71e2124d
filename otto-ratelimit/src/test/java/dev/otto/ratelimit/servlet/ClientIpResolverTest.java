package dev.otto.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientIpResolverTest {

  private final ClientIpResolver resolver = ClientIpResolver.builder()
      .trustedProxies("127.0.0.0/8", "::1", "10.0.0.0/8")
      .trustedProxies(List.of("fd00::/8"))
      .build();

  @Test
  void aPeerThatIsNotATrustedProxyIsTheClientWhateverItForwards() {
    assertThat(resolver.resolve("203.0.113.1", List.of("198.51.100.7"))).isEqualTo("203.0.113.1");
  }

  @Test
  void withoutTrustedProxiesTheForwardedHeaderIsIgnored() {
    ClientIpResolver untrusting = ClientIpResolver.builder().build();
    assertThat(untrusting.resolve(FakeRequest.from("127.0.0.1").header("X-Forwarded-For", "198.51.100.7").build()))
        .isEqualTo("127.0.0.1");
  }

  @Test
  void aTrustedPeerWithoutForwardedHeaderIsTheClient() {
    assertThat(resolver.resolve(FakeRequest.from("127.0.0.1").build())).isEqualTo("127.0.0.1");
    assertThat(resolver.resolve("127.0.0.1", List.of())).isEqualTo("127.0.0.1");
  }

  @ParameterizedTest(name = "[{index}] {1} via {0} -> {2}")
  @CsvSource(delimiter = '|', value = {
      "127.0.0.1 | 198.51.100.7 | 198.51.100.7",
      "127.0.0.1 | 198.51.100.7, 10.0.0.2 | 198.51.100.7",
      "127.0.0.1 | 1.1.1.1, 198.51.100.7, 10.0.0.2 | 198.51.100.7",
      "127.0.0.1 | 198.51.100.7, unknown, 10.0.0.2 | 10.0.0.2",
      "127.0.0.1 | unknown | 127.0.0.1",
      "127.0.0.1 | 1.1.1.1, _hidden | 127.0.0.1",
      "127.0.0.1 | 10.0.0.5, 10.0.0.2 | 10.0.0.5",
      "127.0.0.1 | garbage, 10.0.0.5, 10.0.0.2 | 10.0.0.5",
      "127.0.0.1 | 198.51.100.7,,  ,10.0.0.2, | 198.51.100.7",
      "127.0.0.1 | [2001:db8::7]:4711 | 2001:db8::7",
      "127.0.0.1 | 198.51.100.7:1234, [::1]:80 | 198.51.100.7",
      "127.0.0.1 | 2001:DB8:0:0:0:0:0:7 | 2001:db8::7",
      "127.0.0.1 | ::ffff:198.51.100.7 | 198.51.100.7",
      "127.0.0.1 | ::ffff:10.9.9.9 | 10.9.9.9",
      "0:0:0:0:0:0:0:1 | 198.51.100.7 | 198.51.100.7",
      "::ffff:127.0.0.1 | 198.51.100.7 | 198.51.100.7",
      "0:0:0:0:0:0:0:1 | | ::1",
      "::ffff:127.0.0.1 | | 127.0.0.1",
      "203.0.113.1 | | 203.0.113.1",
      "2001:db8:0::1 | 198.51.100.7 | 2001:db8::1",
      "127.0.0.1 | fd00::1, 1.2.3.4 | 1.2.3.4",
      "127.0.0.1 | 1.2.3.4, fd00::1 | 1.2.3.4",
      "127.0.0.1 | 1.2.3.4 , \t fd00::1 | 1.2.3.4",
  })
  void walksTheChainFromTheRightSkippingTrustedProxies(String peer, @Nullable String header, String client) {
    List<String> lines = header == null ? List.of() : List.of(header);
    assertThat(resolver.resolve(peer, lines)).isEqualTo(client);
  }

  @Test
  void readsEveryLineOfTheHeaderInOrder() {
    assertThat(resolver.resolve("127.0.0.1", List.of("1.1.1.1", "198.51.100.7, 10.0.0.2")))
        .isEqualTo("198.51.100.7");
    assertThat(resolver.resolve("127.0.0.1", List.of("198.51.100.7", "10.0.0.2", "")))
        .isEqualTo("198.51.100.7");
    assertThat(resolver.resolve(FakeRequest.from("127.0.0.1")
        .header("X-Forwarded-For", "198.51.100.7").header("X-Forwarded-For", "10.0.0.3").build()))
        .isEqualTo("198.51.100.7");
  }

  @Test
  void readsAConfiguredHeaderInsteadOfXForwardedFor() {
    ClientIpResolver custom = ClientIpResolver.builder().trustedProxies("127.0.0.1").header("X-Real-Chain").build();
    assertThat(custom.resolve(FakeRequest.from("127.0.0.1")
        .header("X-Forwarded-For", "198.51.100.1").header("X-Real-Chain", "198.51.100.2").build()))
        .isEqualTo("198.51.100.2");
  }

  @Test
  void aPeerAddressThatIsNoIpAddressGivesNoClient() {
    assertThat(resolver.resolve("", List.of())).isNull();
    assertThat(resolver.resolve(null, List.of())).isNull();
    assertThat(resolver.resolve(FakeRequest.from("/run/app.sock").build())).isNull();
  }

  @Test
  void readsAnIpv6PeerInBracketsAsJettyWritesIt() {
    assertThat(resolver.resolve("[2001:db8::7]", List.of())).isEqualTo("2001:db8::7");
    assertThat(resolver.resolve("[::1]", List.of("198.51.100.7"))).isEqualTo("198.51.100.7");
    assertThat(resolver.resolve(FakeRequest.from("[0:0:0:0:0:0:0:1]").header("X-Forwarded-For", "2001:db8::9").build()))
        .isEqualTo("2001:db8::9");
    assertThat(resolver.resolve("[fe80::1%eth0]", List.of())).isEqualTo("fe80::1");
    assertThat(resolver.resolve("[]", List.of())).isNull();
    assertThat(resolver.resolve("[2001:db8::7", List.of())).isNull();
    assertThat(resolver.resolve("[2001:db8::7]:80", List.of())).isNull();
  }

  @Test
  void refusesTheForwardedHeaderWhoseSyntaxItDoesNotRead() {
    assertThatIllegalArgumentException().isThrownBy(() -> ClientIpResolver.builder().header("forwarded"))
        .withMessageContaining("'Forwarded' (RFC 7239) is not supported");
  }

  @Test
  void dropsTheZoneOfALinkLocalPeerButNotOfAForwardedEntry() {
    assertThat(resolver.resolve("fe80:0:0:0:0:0:0:1%eth0", List.of("198.51.100.7"))).isEqualTo("fe80::1");
    assertThat(resolver.resolve("127.0.0.1", List.of("198.51.100.7, fe80::1%eth0"))).isEqualTo("127.0.0.1");
  }

  @Test
  void considersOnlyTheRightmost32Entries() {
    List<String> trusted31 = Collections.nCopies(31, "10.0.0.1");
    assertThat(resolver.resolve("127.0.0.1", List.of("198.51.100.7, " + String.join(", ", trusted31))))
        .isEqualTo("198.51.100.7");
    List<String> trusted32 = Collections.nCopies(32, "10.0.0.1");
    assertThat(resolver.resolve("127.0.0.1", List.of("198.51.100.7, " + String.join(", ", trusted32))))
        .isEqualTo("10.0.0.1");
  }

  @Test
  void readsOnlyTheRightmost8KilobytesOfTheHeader() {
    String junk = "x".repeat(20_000);
    assertThat(resolver.resolve("127.0.0.1", List.of(junk + ", 198.51.100.7, 10.0.0.2")))
        .isEqualTo("198.51.100.7");
    // 30 trusted entries padded with spaces fill 8,139 of the 8,192 characters read; an entry that does not
    // fit in the rest is not read (it may be cut), so the walk ends at the proxy to its right.
    String padded = ("10.0.0.1" + " ".repeat(262) + ",").repeat(30);
    String client = " ".repeat(60) + "198.51.100.7";
    assertThat(resolver.resolve("127.0.0.1", List.of(client + "," + padded + "10.0.0.9"))).isEqualTo("10.0.0.1");
    String lessPadded = ("10.0.0.1" + " ".repeat(262) + ",").repeat(29);
    assertThat(resolver.resolve("127.0.0.1", List.of(client + "," + lessPadded + "10.0.0.9")))
        .isEqualTo("198.51.100.7");
  }

  @Test
  void anOversizedHeaderOfValidAddressesCostsNoMoreThanTheBound() {
    String flood = "198.51.100.1, ".repeat(2_000) + "198.51.100.7";
    assertThat(resolver.resolve("127.0.0.1", List.of(flood))).isEqualTo("198.51.100.7");
  }

  @Test
  void refusesAnInvalidTrustedProxyNamingTheEntry() {
    ClientIpResolver.Builder builder = ClientIpResolver.builder();
    assertThatIllegalArgumentException().isThrownBy(() -> builder.trustedProxies("10.0.0.0/8", "proxy.internal"))
        .withMessageContaining("'proxy.internal'");
    assertThatIllegalArgumentException().isThrownBy(() -> builder.trustedProxies(List.of("10.0.0.0/40")))
        .withMessageContaining("'10.0.0.0/40'");
    assertThatIllegalArgumentException().isThrownBy(() -> builder.header("X Forwarded"))
        .withMessageContaining("'X Forwarded'");
  }

  @Test
  void describesItsConfigurationInNormalForm() {
    assertThat(resolver).hasToString(
        "ClientIpResolver[header=X-Forwarded-For, trustedProxies=[127.0.0.0/8, ::1/128, 10.0.0.0/8, fd00::/8]]");
  }

  // ---- properties ------------------------------------------------------------------------------------

  /** One generated chain entry, with what the walk must make of it. */
  record Entry(String text, @Nullable String normal, boolean trusted, boolean blank) {

    boolean garbage() {
      return !blank && normal == null;
    }

    boolean untrustedAddress() {
      return normal != null && !trusted;
    }

    @Override
    public String toString() {
      return text;
    }
  }

  @Property
  void agreesWithTheSpecifiedWalk(@ForAll("peers") Entry peer, @ForAll("chains") List<List<Entry>> lines) {
    assertThat(resolver.resolve(peer.text(), texts(lines))).isEqualTo(reference(peer, lines));
  }

  @Property(tries = 300)
  void addingEntriesToTheLeftNeverChangesTheClient(
      @ForAll("peers") Entry peer, @ForAll("chains") List<List<Entry>> lines,
      @ForAll("prefixes") List<String> prefix, @ForAll boolean asOwnLine) {
    boolean decided = !peer.trusted()
        || lines.stream().flatMap(List::stream).anyMatch(e -> e.garbage() || e.untrustedAddress());
    // When every address is a trusted proxy the leftmost is the client, and a new one to its left may be.
    Assume.that(decided);
    List<String> original = texts(lines);
    List<String> prefixed = new ArrayList<>(original);
    String added = String.join(",", prefix);
    if (asOwnLine || prefixed.isEmpty()) {
      prefixed.add(0, added);
    } else {
      prefixed.set(0, added + "," + prefixed.get(0));
    }
    assertThat(resolver.resolve(peer.text(), prefixed)).isEqualTo(resolver.resolve(peer.text(), original));
  }

  private static List<String> texts(List<List<Entry>> lines) {
    return lines.stream()
        .map(line -> line.stream().map(Entry::text).collect(Collectors.joining(", ")))
        .toList();
  }

  private static @Nullable String reference(Entry peer, List<List<Entry>> lines) {
    if (!peer.trusted()) {
      return peer.normal();
    }
    List<Entry> chain = lines.stream().flatMap(List::stream).collect(Collectors.toCollection(ArrayList::new));
    Collections.reverse(chain);
    String candidate = peer.normal();
    for (Entry entry : chain) {
      if (entry.blank()) {
        continue;
      }
      if (entry.garbage()) {
        return candidate;
      }
      if (!entry.trusted()) {
        return entry.normal();
      }
      candidate = entry.normal();
    }
    return candidate;
  }

  @Provide
  Arbitrary<Entry> peers() {
    return Arbitraries.of(
        new Entry("127.0.0.1", "127.0.0.1", true, false),
        new Entry("0:0:0:0:0:0:0:1", "::1", true, false),
        new Entry("::ffff:127.0.0.1", "127.0.0.1", true, false),
        new Entry("203.0.113.9", "203.0.113.9", false, false));
  }

  @Provide
  Arbitrary<List<List<Entry>>> chains() {
    return entries().list().ofMaxSize(6).list().ofMaxSize(4);
  }

  @Provide
  Arbitrary<List<String>> prefixes() {
    Arbitrary<String> anything = Arbitraries.strings().ofMaxLength(30);
    Arbitrary<String> addresses = entries().map(Entry::text);
    Arbitrary<String> huge = Arbitraries.strings().withChars("0123456789., ").ofLength(20_000);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Arbitraries.oneOf(anything, addresses)),
        net.jqwik.api.Tuple.of(1, huge))
        .list().ofMaxSize(8);
  }

  private Arbitrary<Entry> entries() {
    Arbitrary<Integer> octet = Arbitraries.integers().between(0, 255);
    Arbitrary<String> hex = Arbitraries.integers().between(1, 0xffff).map(Integer::toHexString);
    Arbitrary<Entry> trusted = Arbitraries.oneOf(
        Combinators.combine(octet, octet, octet).as((a, b, c) -> v4Entry("10." + a + "." + b + "." + c, true)),
        octet.map(a -> v4Entry("127.0.0." + a, true)),
        Arbitraries.just(new Entry("::1", "::1", true, false)),
        octet.map(a -> new Entry("::ffff:10.0.0." + a, "10.0.0." + a, true, false)),
        octet.map(a -> new Entry("10.0.0." + a + ":8080", "10.0.0." + a, true, false)),
        hex.map(h -> new Entry("fd00::" + h, "fd00::" + h, true, false)),
        hex.map(h -> new Entry("[fd00::" + h + "]:443", "fd00::" + h, true, false)));
    Arbitrary<Entry> untrusted = Arbitraries.oneOf(
        octet.map(a -> v4Entry("203.0.113." + a, false)),
        octet.map(a -> new Entry("198.51.100." + a + ":80", "198.51.100." + a, false, false)),
        octet.map(a -> new Entry("::ffff:198.51.100." + a, "198.51.100." + a, false, false)),
        hex.map(h -> new Entry("2001:db8::" + h, "2001:db8::" + h, false, false)),
        hex.map(h -> new Entry("2001:DB8:0:0::" + h.toUpperCase(java.util.Locale.ROOT), "2001:db8::" + h, false, false)),
        hex.map(h -> new Entry("[2001:db8::" + h + "]", "2001:db8::" + h, false, false)));
    Arbitrary<Entry> garbage = Arbitraries.of("unknown", "_hidden", "1.2.3", "[::1", "999.1.1.1", "2001:db8::1::2",
        "proxy.example", "1.2.3.4:", "01.2.3.4", "::1%lo", "\u0001", "[::1]:x")
        .map(text -> new Entry(text, null, false, false));
    Arbitrary<Entry> blank = Arbitraries.of("", " ", "\t").map(text -> new Entry(text, null, false, true));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, trusted),
        net.jqwik.api.Tuple.of(3, untrusted),
        net.jqwik.api.Tuple.of(1, garbage),
        net.jqwik.api.Tuple.of(1, blank));
  }

  private static Entry v4Entry(String address, boolean trusted) {
    return new Entry(address, address, trusted, false);
  }
}
