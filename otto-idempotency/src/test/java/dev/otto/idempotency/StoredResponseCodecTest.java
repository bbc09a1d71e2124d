package dev.otto.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoredResponseCodecTest {

  private static final StoredResponse RESPONSE = new StoredResponse(201, List.of(
      new StoredResponse.Header("Content-Type", "application/json"),
      new StoredResponse.Header("Link", "\u00e9\u65e5")), "{\"id\":1}".getBytes(StandardCharsets.UTF_8));

  @Test
  void roundTripsStatusHeadersInOrderAndBodyBytes() {
    assertThat(StoredResponseCodec.decode(StoredResponseCodec.encode(RESPONSE))).isEqualTo(RESPONSE);
  }

  @Test
  void writesFormatVersionOneAsTheFirstByteInAStableLayout() {
    StoredResponse small = new StoredResponse(204, List.of(new StoredResponse.Header("A", "b")), new byte[] {7});

    assertThat(HexFormat.of().formatHex(StoredResponseCodec.encode(small)))
        .isEqualTo("01" + "000000cc" + "00000001" + "00000001" + "41" + "00000001" + "62" + "00000001" + "07");
  }

  @Test
  void refusesAnUnknownVersionNamingIt() {
    byte[] data = StoredResponseCodec.encode(RESPONSE);
    data[0] = 2;

    assertThatThrownBy(() -> StoredResponseCodec.decode(data))
        .isInstanceOf(IdempotencyStoreException.class)
        .hasMessageContaining("unknown format version 2");
  }

  @Test
  void refusesTruncatedTrailingOrEmptyData() {
    byte[] data = StoredResponseCodec.encode(RESPONSE);
    byte[] longer = Arrays.copyOf(data, data.length + 1);

    for (int length = 0; length < data.length; length++) {
      byte[] truncated = Arrays.copyOf(data, length);
      assertThatThrownBy(() -> StoredResponseCodec.decode(truncated)).as("length %d", length)
          .isInstanceOf(IdempotencyStoreException.class);
    }
    assertThatThrownBy(() -> StoredResponseCodec.decode(longer)).isInstanceOf(IdempotencyStoreException.class)
        .hasMessageContaining("trailing");
  }

  @Test
  void refusesACorruptLengthWithoutAllocatingIt() {
    byte[] data = StoredResponseCodec.encode(new StoredResponse(200, List.of(), new byte[0]));
    data[9] = 0x7f; // the body length's first byte: about two billion bytes claimed

    assertThatThrownBy(() -> StoredResponseCodec.decode(data)).isInstanceOf(IdempotencyStoreException.class)
        .hasMessageContaining("corrupt");
  }
}
