package dev.otto.idempotency.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;

/** The scoped key and the fingerprint keep apart what a plain concatenation would mix up. */
class RequestDigestsProperties {

  @Property(tries = 500)
  void tuplesThatConcatenateToTheSameStringNeverShareAStoreKey(
      @ForAll @StringLength(max = 24) String joined, @ForAll("cuts") int[] first, @ForAll("cuts") int[] second) {
    String[] a = split(joined, first);
    String[] b = split(joined, second);

    String keyA = RequestDigests.scopedKey(a[0], a[1], a[2], a[3]);
    String keyB = RequestDigests.scopedKey(b[0], b[1], b[2], b[3]);

    if (Arrays.equals(a, b)) {
      assertThat(keyA).isEqualTo(keyB);
    } else {
      assertThat(keyA).isNotEqualTo(keyB);
    }
  }

  @Property(tries = 200)
  void aStoreKeyIsSixtyFourLowerCaseHexCharactersWhateverTheInput(
      @ForAll String principal, @ForAll String method, @ForAll String route, @ForAll String key) {
    assertThat(RequestDigests.scopedKey(principal, method, route, key)).matches("[0-9a-f]{64}");
  }

  @Example
  void keepsThePrincipalAndTheKeyApartWhenTheirCharactersCouldShift() {
    assertThat(RequestDigests.scopedKey("alice", "POST", "/api/payments", "1"))
        .isNotEqualTo(RequestDigests.scopedKey("alic", "POST", "/api/payments", "e1"))
        .isNotEqualTo(RequestDigests.scopedKey("", "POST", "/api/payments", "alice1"));
  }

  @Example
  void keepsOneHeaderValueWithACommaApartFromTwoValues() {
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);

    String one = RequestDigests.fingerprint("POST", "/p", null, List.of("X-A"), List.of(List.of("a,b")), body, 2, null);
    String two = RequestDigests.fingerprint("POST", "/p", null, List.of("X-A"), List.of(List.of("a", "b")), body, 2,
        null);
    String absent = RequestDigests.fingerprint("POST", "/p", null, List.of("X-A"), List.of(List.of()), body, 2, null);
    String empty = RequestDigests.fingerprint("POST", "/p", null, List.of("X-A"), List.of(List.of("")), body, 2, null);

    assertThat(List.of(one, two, absent, empty)).doesNotHaveDuplicates();
  }

  @Example
  void keepsAnAbsentQueryApartFromAnEmptyOneAndTheBodyApartFromThePath() {
    byte[] none = new byte[0];
    byte[] slash = "/x".getBytes(StandardCharsets.UTF_8);

    assertThat(RequestDigests.fingerprint("POST", "/p", null, List.of(), List.of(), none, 0, null))
        .isNotEqualTo(RequestDigests.fingerprint("POST", "/p", "", List.of(), List.of(), none, 0, null));
    assertThat(RequestDigests.fingerprint("POST", "/p/x", null, List.of(), List.of(), none, 0, null))
        .isNotEqualTo(RequestDigests.fingerprint("POST", "/p", null, List.of(), List.of(), slash, 2, null));
  }

  @Example
  void usesOnlyTheBufferedLengthOfTheBody() {
    byte[] padded = "{}garbage".getBytes(StandardCharsets.UTF_8);
    byte[] exact = "{}".getBytes(StandardCharsets.UTF_8);

    assertThat(RequestDigests.fingerprint("POST", "/p", null, List.of(), List.of(), padded, 2, null))
        .isEqualTo(RequestDigests.fingerprint("POST", "/p", null, List.of(), List.of(), exact, 2, null));
  }

  @Provide
  Arbitrary<int[]> cuts() {
    return Arbitraries.integers().between(0, 24).array(int[].class).ofSize(3);
  }

  /** Splits {@code joined} into four parts at the (clamped, sorted) cut points. */
  private static String[] split(String joined, int[] cuts) {
    int[] points = cuts.clone();
    for (int i = 0; i < points.length; i++) {
      points[i] = Math.min(points[i], joined.length());
    }
    Arrays.sort(points);
    return new String[] {
        joined.substring(0, points[0]),
        joined.substring(points[0], points[1]),
        joined.substring(points[1], points[2]),
        joined.substring(points[2])};
  }
}
