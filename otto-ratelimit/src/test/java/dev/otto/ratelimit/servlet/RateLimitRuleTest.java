package dev.otto.ratelimit.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import dev.otto.ratelimit.RateLimitPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RateLimitRuleTest {

  private static final RateLimitPolicy POLICY = RateLimitPolicy.of("greeting", 10, Duration.ofSeconds(10));

  @ParameterizedTest(name = "[{index}] {0} ~ {1} = {2}")
  @CsvSource({
      "/api/greeting, /api/greeting, true",
      "/api/greeting, /api/greeting/, false",
      "/api/greeting, /api/greetings, false",
      "/api/greeting, /api, false",
      "/api/greeting, /API/greeting, false",
      "/api/**, /api, true",
      "/api/**, /api/, true",
      "/api/**, /api/greeting, true",
      "/api/**, /api/a/b/c, true",
      "/api/**, /apix, false",
      "/api/**, /, false",
      "/**, /, true",
      "/**, /anything/at/all, true",
      "/, /, true",
      "/, /x, false",
      "/api/*/items, /api/42/items, true",
      "/api/*/items, /api/42/items/7, false",
      "/api/*/items, /api//items, false",
      "/api/*/items, /api/items, false",
      "/api/*, /api/x, true",
      "/api/*, /api, false",
      "/api/*, /api/x/y, false",
      "/api/*/**, /api/x/y/z, true",
      "/api/*/**, /api, false",
  })
  void matchesPathsSegmentBySegment(String pattern, String path, boolean matches) {
    RateLimitRule rule = rule().path(pattern).build();
    assertThat(rule.matches("GET", path, false)).isEqualTo(matches);
  }

  @Test
  void matchesAnyOfSeveralPatternsAndEveryPathByDefault() {
    RateLimitRule rule = rule().path("/a").path("/b/**").build();
    assertThat(rule.matches("GET", "/a", false)).isTrue();
    assertThat(rule.matches("GET", "/b/c", false)).isTrue();
    assertThat(rule.matches("GET", "/c", false)).isFalse();
    assertThat(rule().build().matches("GET", "/anything", false)).isTrue();
    assertThat(rule().build().paths()).containsExactly("/**");
  }

  @Test
  void matchesEveryMethodByDefaultAndOnlyTheGivenOnesOtherwise() {
    assertThat(rule().build().matches("DELETE", "/", false)).isTrue();
    RateLimitRule posts = rule().methods("post", "PUT").build();
    assertThat(posts.methods()).containsExactlyInAnyOrder("POST", "PUT");
    assertThat(posts.matches("POST", "/", false)).isTrue();
    assertThat(posts.matches("post", "/", false)).isTrue();
    assertThat(posts.matches("PUT", "/", false)).isTrue();
    assertThat(posts.matches("GET", "/", false)).isFalse();
  }

  @Test
  void aRuleForGetAlsoLimitsHeadWhichRunsTheGetHandler() {
    RateLimitRule gets = rule().methods("GET").build();
    assertThat(gets.matches("HEAD", "/", false)).isTrue();
    assertThat(rule().methods("POST").build().matches("HEAD", "/", false)).isFalse();
  }

  @Test
  void aRuleForEveryMethodDoesNotMatchCorsPreflights() {
    RateLimitRule everyMethod = rule().build();
    assertThat(everyMethod.matches("OPTIONS", "/", true)).isFalse();
    assertThat(everyMethod.matches("OPTIONS", "/", false)).isTrue();
  }

  @Test
  void aRuleThatListsOptionsMatchesCorsPreflights() {
    assertThat(rule().methods("options").build().matches("OPTIONS", "/", true)).isTrue();
    assertThat(rule().methods("GET", "POST").build().matches("OPTIONS", "/", true)).isFalse();
  }

  @Test
  void aCorsPreflightIsAnOptionsRequestWithAnOriginAndARequestedMethod() {
    assertThat(RateLimitRule.isCorsPreflight(FakeRequest.from("192.0.2.1").method("OPTIONS")
        .header("Origin", "https://app.example").header("Access-Control-Request-Method", "POST").build())).isTrue();
    assertThat(RateLimitRule.isCorsPreflight(FakeRequest.from("192.0.2.1").method("OPTIONS")
        .header("Origin", "https://app.example").build())).isFalse();
    assertThat(RateLimitRule.isCorsPreflight(FakeRequest.from("192.0.2.1").method("OPTIONS")
        .header("Access-Control-Request-Method", "POST").build())).isFalse();
    assertThat(RateLimitRule.isCorsPreflight(FakeRequest.from("192.0.2.1").method("GET")
        .header("Origin", "https://app.example").header("Access-Control-Request-Method", "POST").build())).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "api", "api/**", "/api/**/items", "/api/**/**", "/api/gr*ting", "/api/***",
      "/api/greeting?x=1", "/api/a b", "/api/#x", "/api/\u0000"})
  void refusesAnInvalidPathPatternNamingIt(String pattern) {
    assertThatIllegalArgumentException().isThrownBy(() -> rule().path(pattern))
        .withMessageContaining("'" + pattern + "'");
  }

  @Test
  void refusesAnInvalidMethodNamingIt() {
    assertThatIllegalArgumentException().isThrownBy(() -> rule().methods("GET", "GE T"))
        .withMessageContaining("'GE T'");
    assertThatIllegalArgumentException().isThrownBy(() -> rule().methods(""))
        .withMessageContaining("''");
  }

  @Test
  void needsAPolicyAndAKeyResolver() {
    assertThatIllegalStateException().isThrownBy(() -> RateLimitRule.builder().key(KeyResolver.principal()).build())
        .withMessageContaining("policy(RateLimitPolicy)");
    assertThatIllegalStateException().isThrownBy(() -> RateLimitRule.builder().policy(POLICY).build())
        .withMessageContaining("'greeting'")
        .withMessageContaining("key(KeyResolver)");
  }

  @Test
  void defaultsToEnforcingAndSkippingKeylessRequests() {
    RateLimitRule rule = rule().build();
    assertThat(rule.shadow()).isFalse();
    assertThat(rule.missingKey()).isEqualTo(MissingKey.SKIP);
    assertThat(rule.policy()).isEqualTo(POLICY);
    assertThat(rule).hasToString("RateLimitRule[policy=greeting, paths=[/**], methods=*, key=principal(), "
        + "missingKey=SKIP, shadow=false]");
  }

  private static RateLimitRule.Builder rule() {
    return RateLimitRule.builder().policy(POLICY).key(KeyResolver.principal());
  }
}
