package dev.otto.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The exact-size codec puts the same bytes on the wire as Lettuce's UTF-8 codec, for any text. */
class ExactUtf8CodecTest {

  private static final ExactUtf8Codec CODEC = new ExactUtf8Codec();

  @Property(tries = 2_000)
  void encodesKeysAndValuesAsLettucesUtf8CodecDoes(@ForAll String key, @ForAll String value) {
    assertThat(encoded(CODEC, key, value)).isEqualTo(encoded(StringCodec.UTF8, key, value));
  }

  @Example
  void countsEveryKindOfCharacterExactly() {
    // ASCII, two-, three- and four-byte sequences, and unpaired surrogates (written as '?').
    String text = "otto:rl:{api:k}:é€😀\uD800x\uDC00";
    assertThat(CODEC.isEstimateExact()).isTrue();
    assertThat(CODEC.estimateSize(text)).isEqualTo(written(text));
    assertThat(encoded(CODEC, text, text)).isEqualTo(encoded(StringCodec.UTF8, text, text));
  }

  private static int written(String text) {
    ByteBuf target = Unpooled.buffer();
    try {
      StringCodec.UTF8.encodeValue(text, target);
      return target.readableBytes();
    } finally {
      target.release();
    }
  }

  private static byte[] encoded(StringCodec codec, String key, String value) {
    CommandArgs<String, String> args = new CommandArgs<>(codec).addKey(key).addValue(value);
    ByteBuf target = Unpooled.buffer();
    try {
      args.encode(target);
      return ByteBufUtil.getBytes(target);
    } finally {
      target.release();
    }
  }
}
