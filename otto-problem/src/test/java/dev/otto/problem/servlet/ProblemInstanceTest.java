package dev.otto.problem.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProblemInstanceTest {

  @Test
  void aRequestWithoutAParsedPathIsReportedAtTheRoot() {
    assertThat(ProblemInstance.of(null)).isEqualTo("/");
  }

  @Test
  void aPathIsRepeatedAsItWasSent() {
    assertThat(ProblemInstance.of("/api/greeting")).isEqualTo("/api/greeting");
    assertThat(ProblemInstance.of("/a-b_c.d~e/!$&'()*+,;=:@/%2F%c3%A9"))
        .isEqualTo("/a-b_c.d~e/!$&'()*+,;=:@/%2F%c3%A9");
  }

  @Test
  void aPathWithACharacterAUriPathMayNotHoldIsReportedAtTheRootNotCut() {
    // A prefix would name another resource: /api/payments for /api/payments|x.
    for (String path : new String[] {"/foo|bar", "/api/greeting{x}", "/health?a=b|c", "/a#frag", "/a\"b",
        "/a\\b", "/a b", "/a\u0000b", "/é", "|"}) {
      assertThat(ProblemInstance.of(path)).as(path).isEqualTo("/");
    }
  }

  @Test
  void aPathWithAMalformedPercentEscapeIsReportedAtTheRoot() {
    for (String path : new String[] {"/a%zz", "/a%4", "/a%", "/api/payments%zz"}) {
      assertThat(ProblemInstance.of(path)).as(path).isEqualTo("/");
    }
    assertThat(ProblemInstance.of("/a%41")).isEqualTo("/a%41");
  }

  @Test
  void aTargetThatIsNotAnOriginFormPathIsReportedAtTheRoot() {
    for (String path : new String[] {"*", "http://host/path", ""}) {
      assertThat(ProblemInstance.of(path)).as(path).isEqualTo("/");
    }
  }

  @Test
  void anOversizedPathIsNotRepeated() {
    String longest = "/" + "a".repeat(ProblemInstance.MAX_LENGTH - 1);

    assertThat(ProblemInstance.of(longest)).isEqualTo(longest);
    assertThat(ProblemInstance.of(longest + "a")).isEqualTo("/");
    assertThat(ProblemInstance.of("/" + "a".repeat(30_000))).isEqualTo("/");
  }
}
