package dev.otto.core.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PathPatternTest {

  @Test
  void anExactPatternMatchesOnlyThatPath() {
    PathPattern pattern = PathPattern.compile("/api/greeting");

    assertThat(pattern.matches("/api/greeting")).isTrue();
    assertThat(pattern.matches("/api/greeting/x")).isFalse();
    assertThat(pattern.matches("/api/Greeting")).isFalse();
  }

  @Test
  void aSubtreePatternMatchesItsRootAndEverythingBelow() {
    PathPattern pattern = PathPattern.compile("/api/**");

    assertThat(pattern.matches("/api")).isTrue();
    assertThat(pattern.matches("/api/a/b/c")).isTrue();
    assertThat(pattern.matches("/apix")).isFalse();
  }

  @Test
  void aStarMatchesExactlyOneNonEmptySegment() {
    PathPattern pattern = PathPattern.compile("/api/*/items");

    assertThat(pattern.matches("/api/7/items")).isTrue();
    assertThat(pattern.matches("/api//items")).isFalse();
    assertThat(pattern.matches("/api/7/8/items")).isFalse();
  }

  @Test
  void anInvalidPatternIsRefusedNamingIt() {
    assertThatThrownBy(() -> PathPattern.compile("api/x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("api/x");
    assertThatThrownBy(() -> PathPattern.compile("/a?b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/a?b");
  }
}
