package dev.otto.spring.problem;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProblemErrorReportValveTest {

  @Test
  void aRequestTargetTomcatCouldNotParseIsReportedAtTheRoot() {
    assertThat(ProblemErrorReportValve.instance(null)).isEqualTo("/");
  }

  @Test
  void aParsedPathIsReportedAsItIs() {
    assertThat(ProblemErrorReportValve.instance("/api/greeting")).isEqualTo("/api/greeting");
    assertThat(ProblemErrorReportValve.instance("/a-b_c.d~e/!$&'()*+,;=:@/%2F%c3%A9"))
        .isEqualTo("/a-b_c.d~e/!$&'()*+,;=:@/%2F%c3%A9");
  }

  @Test
  void aPathIsCutAtItsFirstCharacterAUriPathMayNotHold() {
    assertThat(ProblemErrorReportValve.instance("/foo|bar")).isEqualTo("/foo");
    assertThat(ProblemErrorReportValve.instance("/api/greeting{x}")).isEqualTo("/api/greeting");
    assertThat(ProblemErrorReportValve.instance("/health?a=b|c")).isEqualTo("/health");
    assertThat(ProblemErrorReportValve.instance("/a#frag")).isEqualTo("/a");
    assertThat(ProblemErrorReportValve.instance("/a\"b")).isEqualTo("/a");
    assertThat(ProblemErrorReportValve.instance("/a\\b")).isEqualTo("/a");
    assertThat(ProblemErrorReportValve.instance("/a b")).isEqualTo("/a");
    assertThat(ProblemErrorReportValve.instance("/a\u0000b")).isEqualTo("/a");
    assertThat(ProblemErrorReportValve.instance("/é")).isEqualTo("/");
    assertThat(ProblemErrorReportValve.instance("|")).isEqualTo("/");
  }

  @Test
  void aPathIsCutAtItsFirstMalformedPercentEscape() {
    assertThat(ProblemErrorReportValve.instance("/a%zz")).isEqualTo("/a");
    assertThat(ProblemErrorReportValve.instance("/a%4")).isEqualTo("/a");
    assertThat(ProblemErrorReportValve.instance("/a%")).isEqualTo("/a");
    assertThat(ProblemErrorReportValve.instance("/a%41")).isEqualTo("/a%41");
  }

  @Test
  void aTargetThatIsNotAnOriginFormPathIsReportedAtTheRoot() {
    assertThat(ProblemErrorReportValve.instance("*")).isEqualTo("/");
    assertThat(ProblemErrorReportValve.instance("http://host/path")).isEqualTo("/");
    assertThat(ProblemErrorReportValve.instance("")).isEqualTo("/");
  }

  @Test
  void anOversizedPathIsNotRepeated() {
    String longest = "/" + "a".repeat(ProblemErrorReportValve.MAX_INSTANCE_LENGTH - 1);

    assertThat(ProblemErrorReportValve.instance(longest)).isEqualTo(longest);
    assertThat(ProblemErrorReportValve.instance(longest + "a")).isEqualTo("/");
    assertThat(ProblemErrorReportValve.instance(longest + "|" + "a".repeat(30_000))).isEqualTo(longest);
  }
}
