package dev.otto.idempotency.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.idempotency.memory.MemoryIdempotencyStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The filter's configuration and its pure decisions, without a server. */
class IdempotencyFilterConfigurationTest {

  private final IdempotencyRule rule = IdempotencyRule.builder().path("/api/payments").build();

  @Test
  void needsAStoreAndARule() {
    assertThatThrownBy(() -> IdempotencyFilter.builder().rule(rule).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("store");
    assertThatThrownBy(() -> IdempotencyFilter.builder().store(MemoryIdempotencyStore.create()).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("rule");
  }

  @Test
  void refusesBadValuesNamingThem() {
    IdempotencyFilter.Builder builder = IdempotencyFilter.builder();

    assertThatThrownBy(() -> builder.lease(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("lease must be positive: PT0S");
    assertThatThrownBy(() -> builder.ttl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl must be positive: PT-1S");
    assertThatThrownBy(() -> builder.maxRequestBody(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRequestBody").hasMessageEndingWith(": -1");
    assertThatThrownBy(() -> builder.maxStoredBody(Long.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxStoredBody");
    assertThatThrownBy(() -> builder.nonStoredStatuses(404, 503))
        .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith(": 503");
    assertThatThrownBy(() -> builder.storedHeaders("X-Ok", "Set-Cookie"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Set-Cookie'");
    assertThatThrownBy(() -> builder.storedHeaders("Proxy-Authorization"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'Proxy-Authorization'");
    assertThatThrownBy(() -> IdempotencyFilter.builder().store(MemoryIdempotencyStore.create()).rule(rule)
        .lease(Duration.ofHours(2)).ttl(Duration.ofHours(1)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("ttl must not be shorter than the lease");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "!", "~", "0f8fad5b-d9cb-469f-a165-70867728950e", "key:with/symbols?&=#"})
  void acceptsVisibleAsciiKeys(String key) {
    assertThat(IdempotencyFilter.isValidKey(key)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "with space", "tab\t", "del\u007f", "caf\u00e9", "nul\u0000", "emoji\uD83D\uDE00"})
  void refusesKeysThatAreNotVisibleAscii(String key) {
    assertThat(IdempotencyFilter.isValidKey(key)).isFalse();
  }

  @Test
  void acceptsKeysUpToTwoHundredFiftyFiveCharacters() {
    assertThat(IdempotencyFilter.isValidKey("k".repeat(255))).isTrue();
    assertThat(IdempotencyFilter.isValidKey("k".repeat(256))).isFalse();
  }

  @Test
  void asksToRetryAnInFlightRequestWithinOneToFiveSeconds() {
    assertThat(IdempotencyFilter.retryAfterSeconds(Duration.ZERO)).isEqualTo(1);
    assertThat(IdempotencyFilter.retryAfterSeconds(Duration.ofMillis(1))).isEqualTo(1);
    assertThat(IdempotencyFilter.retryAfterSeconds(Duration.ofMillis(2001))).isEqualTo(3);
    assertThat(IdempotencyFilter.retryAfterSeconds(Duration.ofSeconds(59))).isEqualTo(5);
  }
}
