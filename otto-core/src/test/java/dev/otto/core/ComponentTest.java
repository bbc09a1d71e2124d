package dev.otto.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ComponentTest {

  @Test
  void hasTheLowerCaseIdsOperatorsUse() {
    assertThat(Arrays.stream(Component.values()).map(Component::id))
        .containsExactly("ratelimit", "idempotency", "problem", "trace", "health");
  }

  @Test
  void findsEveryComponentByItsExactId() {
    for (Component component : Component.values()) {
      assertThat(Component.byId(component.id())).contains(component);
    }
  }

  @Test
  void findsNothingForOtherCasesSpacesOrUnknownNames() {
    assertThat(Component.byId("RATELIMIT")).isEmpty();
    assertThat(Component.byId("RateLimit")).isEmpty();
    assertThat(Component.byId(" trace")).isEmpty();
    assertThat(Component.byId("rate-limit")).isEmpty();
    assertThat(Component.byId("")).isEmpty();
    assertThat(Component.byId("metrics")).isEmpty();
  }

  @Test
  void rejectsANullIdByName() {
    assertThatNullPointerException().isThrownBy(() -> Component.byId(null)).withMessageContaining("id");
  }

  @Test
  void modesHaveLowerCaseIdsAndAreFoundOnlyByThem() {
    assertThat(Mode.ENFORCE.id()).isEqualTo("enforce");
    assertThat(Mode.SHADOW.id()).isEqualTo("shadow");
    assertThat(Mode.byId("enforce")).contains(Mode.ENFORCE);
    assertThat(Mode.byId("shadow")).contains(Mode.SHADOW);
    assertThat(Mode.byId("SHADOW")).isEmpty();
    assertThat(Mode.byId("observe")).isEmpty();
    assertThat(Mode.byId("")).isEmpty();
  }
}
