package dev.otto.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LimitTest {

  @Test
  void derivesTheEmissionIntervalAndToleranceInMicroseconds() {
    Limit limit = new Limit(10, Duration.ofSeconds(1), 20);
    assertThat(limit.periodMicros()).isEqualTo(1_000_000);
    assertThat(limit.emissionIntervalMicros()).isEqualTo(100_000);
    assertThat(limit.toleranceMicros()).isEqualTo(2_000_000);
  }

  @Test
  void roundsTheEmissionIntervalUpSoTheQuotaIsNeverExceeded() {
    Limit limit = Limit.of(3, Duration.ofSeconds(1));
    assertThat(limit.emissionIntervalMicros()).isEqualTo(333_334);
    assertThat(limit.emissionIntervalMicros() * limit.quota()).isGreaterThanOrEqualTo(limit.periodMicros());
  }

  @Test
  void ofUsesTheQuotaAsBurst() {
    assertThat(Limit.of(5, Duration.ofMinutes(1))).isEqualTo(new Limit(5, Duration.ofMinutes(1), 5));
  }

  @Test
  void rejectsOutOfRangeValuesNamingThem() {
    assertThatThrownBy(() -> new Limit(0, Duration.ofSeconds(1), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("quota must be at least 1: 0");
    assertThatThrownBy(() -> new Limit(1, Duration.ofNanos(999_999), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("period must be at least 1 ms: PT0.000999999S");
    assertThatThrownBy(() -> new Limit(1, Duration.ofDays(3651), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("period must be at most 3650 days");
    assertThatThrownBy(() -> new Limit(1, Duration.ofSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("burst must be at least 1: 0");
    assertThatThrownBy(() -> new Limit(1_000_001, Duration.ofSeconds(1), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one per microsecond").hasMessageEndingWith(": 1000001");
    assertThatThrownBy(() -> new Limit(1, Duration.ofDays(1), 3651))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lower the burst: 3651");
    assertThatThrownBy(() -> new Limit(1, null, 1)).isInstanceOf(NullPointerException.class);
  }
}
