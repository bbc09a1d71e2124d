package dev.otto.problem.trace;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

class TraceParentTest {

  private static final String VALID =
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final TraceParent VALID_PARSED =
      new TraceParent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", "01");

  @Provide
  Arbitrary<String> traceIds() {
    return hex(32).filter(id -> !id.chars().allMatch(c -> c == '0'));
  }

  @Provide
  Arbitrary<String> parentIds() {
    return hex(16).filter(id -> !id.chars().allMatch(c -> c == '0'));
  }

  @Provide
  Arbitrary<String> flags() {
    return hex(2);
  }

  @Provide
  Arbitrary<String> validHeaders() {
    return Combinators.combine(traceIds(), parentIds(), flags())
        .as((trace, parent, flags) -> "00-" + trace + "-" + parent + "-" + flags);
  }

  /** Two lowercase hex digits other than {@code 00} (this version) and {@code ff} (invalid). */
  @Provide
  Arbitrary<String> futureVersions() {
    return hex(2).filter(version -> !version.equals("00") && !version.equals("ff"));
  }

  private static Arbitrary<String> hex(int length) {
    return Arbitraries.strings().withChars("0123456789abcdef").ofLength(length);
  }

  @Property
  void validHeadersRoundTrip(@ForAll("traceIds") String traceId, @ForAll("parentIds") String parentId,
      @ForAll("flags") String flags) {
    TraceParent parsed = TraceParent.parse("00-" + traceId + "-" + parentId + "-" + flags);

    assertThat(parsed).isEqualTo(new TraceParent(traceId, parentId, flags));
  }

  @Property
  void anyHeaderWithCarriageReturnOrLineFeedIsRejected(@ForAll("validHeaders") String valid,
      @ForAll @IntRange(min = 0, max = 55) int position, @ForAll("lineBreaks") String lineBreak,
      @ForAll boolean replace) {
    String header = replace && position < valid.length()
        ? valid.substring(0, position) + lineBreak + valid.substring(Math.min(valid.length(),
            position + lineBreak.length()))
        : valid.substring(0, position) + lineBreak + valid.substring(position);

    assertThat(TraceParent.parse(header)).isNull();
  }

  @Provide
  Arbitrary<String> lineBreaks() {
    return Arbitraries.of("\r", "\n", "\r\n");
  }

  @Property
  void uppercaseHexIsRejected(@ForAll("validHeaders") String valid,
      @ForAll @IntRange(min = 3, max = 54) int position) {
    char c = valid.charAt(position);
    if (c < 'a' || c > 'f') {
      return; // only letters have an uppercase form
    }
    String header = valid.substring(0, position) + Character.toUpperCase(c)
        + valid.substring(position + 1);

    assertThat(TraceParent.parse(header)).isNull();
  }

  @Property
  void aVersionThatIsNotTwoLowercaseHexDigitsIsRejected(@ForAll("validHeaders") String valid,
      @ForAll @StringLength(2) String version) {
    if (version.matches("[0-9a-f]{2}")) {
      return;
    }
    assertThat(TraceParent.parse(version + valid.substring(2))).isNull();
  }

  @Property
  void aFutureVersionIsReadAsVersion00WithTheSameIds(@ForAll("validHeaders") String valid,
      @ForAll("futureVersions") String version) {
    assertThat(TraceParent.parse(version + valid.substring(2))).isEqualTo(TraceParent.parse(valid))
        .isNotNull();
  }

  @Property
  void aFutureVersionShorterThan55CharactersIsRejected(@ForAll("validHeaders") String valid,
      @ForAll("futureVersions") String version, @ForAll @IntRange(min = 0, max = 54) int cut) {
    assertThat(TraceParent.parse((version + valid.substring(2)).substring(0, cut))).isNull();
  }

  @Property
  void aFutureVersionWhose56thCharacterIsNotADashIsRejected(@ForAll("validHeaders") String valid,
      @ForAll("futureVersions") String version, @ForAll @StringLength(min = 1, max = 40) String extra) {
    if (extra.charAt(0) == '-') {
      return;
    }
    assertThat(TraceParent.parse(version + valid.substring(2) + extra)).isNull();
  }

  @Property
  void aFutureVersionMayCarryMoreFieldsAfterADash(@ForAll("validHeaders") String valid,
      @ForAll("futureVersions") String version, @ForAll @StringLength(max = 40) String extra) {
    assertThat(TraceParent.parse(version + valid.substring(2) + "-" + extra))
        .isEqualTo(TraceParent.parse(valid)).isNotNull();
  }

  @Property
  void aFutureVersionLongerThanTheBoundIsIgnoredAsOversized(@ForAll("validHeaders") String valid,
      @ForAll("futureVersions") String version, @ForAll @IntRange(min = 1, max = 30_000) int over) {
    String atTheBound = version + valid.substring(2) + "-" + "x".repeat(TraceParent.MAX_LENGTH - 56);

    assertThat(TraceParent.parse(atTheBound)).isEqualTo(TraceParent.parse(valid)).isNotNull();
    assertThat(TraceParent.parse(atTheBound + "x".repeat(over))).isNull();
  }

  @Property
  void uppercaseHexIsRejectedInFutureVersionsToo(@ForAll("validHeaders") String valid,
      @ForAll("futureVersions") String version, @ForAll @IntRange(min = 0, max = 54) int position) {
    String header = version + valid.substring(2);
    char c = header.charAt(position);
    if (c < 'a' || c > 'f') {
      return; // only letters have an uppercase form
    }
    header = header.substring(0, position) + Character.toUpperCase(c) + header.substring(position + 1);

    assertThat(TraceParent.parse(header)).isNull();
    assertThat(TraceParent.parse(header + "-extra")).isNull();
  }

  @Property
  void wrongLengthsAreRejected(@ForAll("validHeaders") String valid,
      @ForAll @IntRange(min = 0, max = 54) int cut, @ForAll @StringLength(min = 1, max = 40) String extra) {
    assertThat(TraceParent.parse(valid.substring(0, cut))).isNull();
    assertThat(TraceParent.parse(valid + extra)).isNull();
    assertThat(TraceParent.parse(valid + "-" + extra)).as("extra fields").isNull();
  }

  @Property
  void allZeroIdsAreRejected(@ForAll("traceIds") String traceId, @ForAll("parentIds") String parentId) {
    assertThat(TraceParent.parse("00-" + "0".repeat(32) + "-" + parentId + "-01")).isNull();
    assertThat(TraceParent.parse("00-" + traceId + "-" + "0".repeat(16) + "-01")).isNull();
  }

  @Property
  void allZeroIdsAreRejectedInFutureVersionsToo(@ForAll("futureVersions") String version,
      @ForAll("traceIds") String traceId, @ForAll("parentIds") String parentId) {
    assertThat(TraceParent.parse(version + "-" + "0".repeat(32) + "-" + parentId + "-01")).isNull();
    assertThat(TraceParent.parse(version + "-" + traceId + "-" + "0".repeat(16) + "-01")).isNull();
    assertThat(TraceParent.parse(version + "-" + "0".repeat(32) + "-" + parentId + "-01-extra")).isNull();
    assertThat(TraceParent.parse(version + "-" + traceId + "-" + "0".repeat(16) + "-01-extra")).isNull();
  }

  @Property(tries = 300)
  void arbitraryInputUpTo10000CharactersNeverThrowsAndOnlyValidShapesPass(
      @ForAll @StringLength(max = 10_000) String header) {
    TraceParent parsed = TraceParent.parse(header);

    if (parsed != null) {
      String fields = "-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}";
      assertThat(header).matches("00" + fields + "|(?!00|ff)[0-9a-f]{2}" + fields + "(-.*)?");
      assertThat(parsed.traceId() + "-" + parsed.parentId() + "-" + parsed.flags())
          .isEqualTo(header.substring(3, 55));
    }
  }

  @Property(tries = 100)
  void oversizedHeadersAreRejected(@ForAll("validHeaders") String valid,
      @ForAll @IntRange(min = 1, max = 10_000) int padding) {
    assertThat(TraceParent.parse(valid + " ".repeat(padding))).isNull();
    assertThat(TraceParent.parse(valid + "0".repeat(padding))).isNull();
  }

  @Example
  void acceptsTheW3cSpecificationExample() {
    assertThat(TraceParent.parse(VALID)).isEqualTo(VALID_PARSED);
  }

  @Example
  void acceptsVersion01OfExactly55Characters() {
    assertThat(TraceParent.parse("01" + VALID.substring(2))).isEqualTo(VALID_PARSED);
  }

  @Example
  void acceptsVersion01WithMoreFieldsAfterADash() {
    assertThat(TraceParent.parse("01" + VALID.substring(2) + "-extra")).isEqualTo(VALID_PARSED);
    assertThat(TraceParent.parse("01" + VALID.substring(2) + "-01-future")).isEqualTo(VALID_PARSED);
    assertThat(TraceParent.parse("fe" + VALID.substring(2) + "-xyz")).isEqualTo(VALID_PARSED);
  }

  @Example
  void rejectsVersion01Whose56thCharacterIsNotADash() {
    assertThat(TraceParent.parse("01" + VALID.substring(2) + "x")).isNull();
    assertThat(TraceParent.parse("01" + VALID.substring(2) + "0-extra")).isNull();
    assertThat(TraceParent.parse("01" + VALID.substring(2) + "_extra")).isNull();
  }

  @Example
  void rejectsVersion01ShorterThan55Characters() {
    assertThat(TraceParent.parse("01" + VALID.substring(2, 54))).isNull();
    assertThat(TraceParent.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7")).isNull();
  }

  @Example
  void rejectsVersionFfWithOrWithoutMoreFields() {
    assertThat(TraceParent.parse("ff" + VALID.substring(2))).isNull();
    assertThat(TraceParent.parse("ff" + VALID.substring(2) + "-extra")).isNull();
  }

  @Example
  void rejectsVersion00WithMoreFields() {
    assertThat(TraceParent.parse(VALID + "-extra")).isNull();
    assertThat(TraceParent.parse(VALID + "-01-future")).isNull();
  }

  @Example
  void rejectsAllZeroIdsInVersion01() {
    assertThat(TraceParent.parse("01-" + "0".repeat(32) + "-00f067aa0ba902b7-01")).isNull();
    assertThat(TraceParent.parse("01-4bf92f3577b34da6a3ce929d0e0e4736-" + "0".repeat(16) + "-01")).isNull();
  }

  @Example
  void rejectsSurroundingWhitespaceNullAndEmpty() {
    assertThat(TraceParent.parse(null)).isNull();
    assertThat(TraceParent.parse("")).isNull();
    assertThat(TraceParent.parse(" " + VALID.substring(1))).isNull();
    assertThat(TraceParent.parse(VALID.substring(0, 54) + " ")).isNull();
    assertThat(TraceParent.parse("ff" + VALID.substring(2))).isNull();
    assertThat(TraceParent.parse(VALID.replace('-', '_'))).isNull();
  }
}
