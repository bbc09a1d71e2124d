package dev.otto.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Keys become storage keys one to one, and what is stored is bounded, has no braces (so the Redis Cluster
 * hash tag is the whole key) and is well-formed text (so its UTF-8 bytes, which Redis sees, are distinct).
 */
class StorageKeysTest {

  @Property(tries = 5_000)
  void distinctKeysAreStoredAsDistinctBytes(@ForAll("confusable") String a, @ForAll("confusable") String b) {
    Assume.that(!a.equals(b));
    assertThat(redisBytes(StorageKeys.normalize(a))).isNotEqualTo(redisBytes(StorageKeys.normalize(b)));
  }

  @Property(tries = 2_000)
  void storesBoundedWellFormedTextWithoutBraces(@ForAll("anyKey") String key) {
    String stored = StorageKeys.normalize(key);
    assertThat(stored).hasSizeLessThanOrEqualTo(StorageKeys.MAX_KEY_LENGTH).doesNotContain("{", "}");
    assertThat(new String(redisBytes(stored), StandardCharsets.UTF_8)).as("no unpaired surrogate").isEqualTo(stored);
  }

  @Property(tries = 500)
  void digestsLongWellFormedKeysAsEarlierVersionsDid(@ForAll("longWellFormed") String key) throws Exception {
    // Well-formed keys longer than the bound were digested from their UTF-8 bytes; their state must not move.
    String earlier = "sha256:" + HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    assertThat(StorageKeys.normalize(key)).isEqualTo(earlier);
  }

  @Example
  void storesPlainShortKeysAsTheyAreWithoutCopyingThem() {
    for (String key : new String[] {"203.0.113.7", "2001:db8::1", "user-42", "k".repeat(256), "é€😀", "|~"}) {
      assertThat(StorageKeys.normalize(key)).isSameAs(key);
    }
  }

  @Example
  void aKeySpelledLikeTheDigestOfALongKeyIsAnotherKey() {
    String longKey = "k".repeat(StorageKeys.MAX_KEY_LENGTH + 1);
    String spelledLikeItsDigest = StorageKeys.normalize(longKey);
    assertThat(spelledLikeItsDigest).matches("sha256:[0-9a-f]{64}");

    assertThat(StorageKeys.normalize(spelledLikeItsDigest))
        .matches("sha256:[0-9a-f]{64}")
        .isNotEqualTo(spelledLikeItsDigest);
  }

  @Example
  void digestsKeysWithBracesOrUnpairedSurrogates() {
    for (String key : new String[] {"}abc", "{abc", "a{b}c", "a\uD800", "\uDC00a", "\uDBFF\uDBFF"}) {
      assertThat(StorageKeys.normalize(key)).as("%s", key).matches("sha256:[0-9a-f]{64}");
    }
    assertThat(StorageKeys.normalize("a\uD83D\uDE00")).as("a surrogate pair is text").isEqualTo("a😀");
  }

  /** Short strings of the characters that earlier storage keys confused: '?', surrogates, braces. */
  @Provide
  Arbitrary<String> confusable() {
    return Arbitraries.strings().withChars('a', '?', '{', '}', '\uD800', '\uDBFF', '\uDC00', '\uDFFF').ofMaxLength(5);
  }

  @Provide
  Arbitrary<String> anyKey() {
    return Arbitraries.oneOf(confusable(), Arbitraries.strings().all().ofMaxLength(600));
  }

  @Provide
  Arbitrary<String> longWellFormed() {
    // Code points, so that surrogates only come in pairs (characters above U+FFFF).
    return Arbitraries.integers().between(0, Character.MAX_CODE_POINT)
        .filter(codePoint -> codePoint < Character.MIN_SURROGATE || codePoint > Character.MAX_SURROGATE)
        .list().ofMinSize(StorageKeys.MAX_KEY_LENGTH + 1).ofMaxSize(400)
        .map(codePoints -> codePoints.stream()
            .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString());
  }

  /** The bytes Redis receives: Lettuce writes UTF-8, with '?' for an unpaired surrogate. */
  private static byte[] redisBytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
