package dev.otto.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoredResponseTest {

  @Test
  void copiesTheBodyInAndOut() {
    byte[] body = {1, 2, 3};
    StoredResponse response = new StoredResponse(200, List.of(), body);
    body[0] = 9;
    response.body()[1] = 9;

    assertThat(response.body()).containsExactly(1, 2, 3);
    assertThat(response.bodyLength()).isEqualTo(3);
  }

  @Test
  void copiesTheHeaders() {
    List<StoredResponse.Header> headers = new ArrayList<>(List.of(new StoredResponse.Header("ETag", "\"1\"")));
    StoredResponse response = new StoredResponse(200, headers, new byte[0]);
    headers.clear();

    assertThat(response.headers()).hasSize(1);
  }

  @Test
  void comparesBodiesByContent() {
    StoredResponse a = new StoredResponse(200, List.of(), new byte[] {1, 2});
    StoredResponse b = new StoredResponse(200, List.of(), new byte[] {1, 2});

    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(new StoredResponse(200, List.of(), new byte[] {1, 3}));
    assertThat(a.toString()).contains("2 bytes");
  }

  @Test
  void refusesAStatusOutsideOneHundredToNineNineNineNamingIt() {
    assertThatThrownBy(() -> new StoredResponse(42, List.of(), new byte[0]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("42");
  }
}
