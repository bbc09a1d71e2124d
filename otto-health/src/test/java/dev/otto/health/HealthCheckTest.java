package dev.otto.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthCheckTest {

  private static final CheckAction UP = timeout -> null;

  @Test
  void isCriticalWithTheAggregatorsTimeoutUnlessToldOtherwise() {
    HealthCheck check = HealthCheck.builder("database").action(UP).build();

    assertThat(check.name()).isEqualTo("database");
    assertThat(check.critical()).isTrue();
    assertThat(check.timeout()).isNull();
    assertThat(check.action()).isSameAs(UP);
  }

  @Test
  void ofSetsNameCriticalityAndAction() {
    HealthCheck check = HealthCheck.of("redis", false, UP);

    assertThat(check.critical()).isFalse();
    assertThat(check.toString()).contains("redis", "critical=false", "timeout=default");
  }

  @Test
  void toBuilderDerivesAChangedCopy() {
    HealthCheck check = HealthCheck.of("redis", false, UP);

    HealthCheck slower = check.toBuilder().timeout(Duration.ofSeconds(3)).build();

    assertThat(slower.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(slower.critical()).isFalse();
    assertThat(slower.action()).isSameAs(UP);
    assertThat(check.timeout()).isNull();
  }

  @Test
  void rejectsNamesThatAreNotShortPlainTokensAndNamesThem() {
    assertThatThrownBy(() -> HealthCheck.builder(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("''");
    assertThatThrownBy(() -> HealthCheck.builder("my db"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'my db'");
    assertThatThrownBy(() -> HealthCheck.builder("x".repeat(65)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 64");
    assertThat(HealthCheck.builder("db.primary_1-a").action(UP).build().name()).isEqualTo("db.primary_1-a");
  }

  @Test
  void rejectsATimeoutThatIsNotPositiveAndNamesIt() {
    assertThatThrownBy(() -> HealthCheck.builder("db").timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive: PT0S");
    assertThatThrownBy(() -> HealthCheck.builder("db").timeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-0.001");
  }

  @Test
  void needsAnAction() {
    assertThatThrownBy(() -> HealthCheck.builder("db").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("action must be set", "'db'");
  }

  @Test
  void aResultIsConsistentAboutItsStatus() {
    assertThatThrownBy(() -> new CheckResult("db", CheckResult.Status.DOWN, true, Duration.ZERO, null, Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs an error text");
    assertThatThrownBy(() -> new CheckResult("db", CheckResult.Status.UP, true, Duration.ZERO, "x", Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no error text");
    assertThatThrownBy(() -> CheckResult.up("db", true, Duration.ofMillis(-1), Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    assertThat(CheckResult.up("db", true, Duration.ZERO, Map.of("a", 1)).details()).containsEntry("a", 1);
  }

  @Test
  void aHealthCheckExceptionNeedsAMessage() {
    assertThatThrownBy(() -> new HealthCheckException(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be blank");
  }
}
