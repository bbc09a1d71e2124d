package dev.otto.idempotency.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdempotencyRuleTest {

  @Test
  void appliesToPostAndPatchWithARequiredIdempotencyKeyHeaderByDefault() {
    IdempotencyRule rule = IdempotencyRule.builder().path("/api/payments").build();

    assertThat(rule.methods()).containsExactlyInAnyOrder("POST", "PATCH");
    assertThat(rule.required()).isTrue();
    assertThat(rule.shadow()).isFalse();
    assertThat(rule.key()).hasToString("header(Idempotency-Key)");
    assertThat(rule.matches("POST", "/api/payments")).isTrue();
    assertThat(rule.matches("patch", "/api/payments")).isTrue();
    assertThat(rule.matches("PUT", "/api/payments")).isFalse();
    assertThat(rule.matches("POST", "/api/payments/1")).isFalse();
  }

  @Test
  void matchesPatternsLikeTheRateLimitersRules() {
    IdempotencyRule rule = IdempotencyRule.builder().path("/api/*/refunds").path("/webhooks/**").methods("put").build();

    assertThat(rule.matches("PUT", "/api/p1/refunds")).isTrue();
    assertThat(rule.matches("PUT", "/api//refunds")).isFalse();
    assertThat(rule.matches("PUT", "/webhooks")).isTrue();
    assertThat(rule.matches("PUT", "/webhooks/twilio/sms")).isTrue();
    assertThat(rule.matches("POST", "/webhooks/twilio")).isFalse();
    assertThat(rule.paths()).containsExactly("/api/*/refunds", "/webhooks/**");
  }

  @Test
  void refusesBadValuesNamingThem() {
    assertThatThrownBy(() -> IdempotencyRule.builder().path("api"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'api'");
    assertThatThrownBy(() -> IdempotencyRule.builder().methods("PO ST"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'PO ST'");
    assertThatThrownBy(() -> IdempotencyRule.builder().methods())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
    assertThatThrownBy(() -> IdempotencyRule.builder().keyHeader("Idempotency Key"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Idempotency Key'");
    assertThatThrownBy(() -> IdempotencyRule.builder().fingerprintHeaders("X:A"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'X:A'");
    assertThatThrownBy(() -> IdempotencyRule.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("path");
  }
}
