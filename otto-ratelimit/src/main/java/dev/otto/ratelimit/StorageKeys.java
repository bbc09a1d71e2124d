package dev.otto.ratelimit;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The one place where a caller's key becomes key material that a back end stores. A <em>plain</em> key is
 * stored as it is; any other key is replaced by a digest. Each condition of plainness has its reason:
 * <ul>
 *   <li>at most {@value #MAX_KEY_LENGTH} characters: neither Redis nor memory holds more per key, whatever a
 *       client sends;
 *   <li>no {@code '{'} or {@code '}'}: Redis Cluster hashes a key by the text between its first {@code '{'}
 *       and the next {@code '}'}, so a brace in a client's key would move that hash tag and let clients
 *       put all their keys on one node;
 *   <li>no unpaired surrogate: UTF-8 has no bytes for one (it is sent to Redis as {@code '?'}), so keys
 *       differing only there would share one Redis key;
 *   <li>not starting with {@value #DIGEST_MARK}: a plain key spelled like a digest would share the state of
 *       the key it is the digest of.
 * </ul>
 * The mapping is therefore one-to-one (up to SHA-256 collisions): plain keys map to themselves and never
 * look like a digest, and distinct keys have distinct digest input. What a back end stores has no braces
 * and no unpaired surrogates, so its UTF-8 bytes are distinct too.
 */
final class StorageKeys {

  /** Keys up to this many characters may be stored as they are. */
  static final int MAX_KEY_LENGTH = 256;

  /** Marks a digested key; the digest is 64 hex characters, so the stored form has 71. */
  private static final String DIGEST_MARK = "sha256:";

  private StorageKeys() {
  }

  /**
   * Returns {@code key} itself when it is plain (see the class), otherwise {@code "sha256:"} followed by the
   * lower-case hex SHA-256 of its bytes in UTF-8, where an unpaired surrogate has the three bytes UTF-8
   * gives any other character of its range (WTF-8). For keys without unpaired surrogates these are their
   * UTF-8 bytes, so digests of long keys are those earlier versions stored.
   */
  static String normalize(String key) {
    if (isPlain(key)) {
      return key;
    }
    return DIGEST_MARK + HexFormat.of().formatHex(sha256().digest(wtf8(key)));
  }

  /** Allocates nothing: this runs on every Redis decision, and nearly every key is plain. */
  private static boolean isPlain(String key) {
    int length = key.length();
    if (length > MAX_KEY_LENGTH || key.startsWith(DIGEST_MARK)) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = key.charAt(i);
      if (c < '{') {
        continue; // most of any key, and every character of an IP address
      }
      if (c == '{' || c == '}') {
        return false;
      }
      if (Character.isSurrogate(c)) {
        if (!Character.isHighSurrogate(c) || i + 1 == length || !Character.isLowSurrogate(key.charAt(i + 1))) {
          return false;
        }
        i++;
      }
    }
    return true;
  }

  /**
   * UTF-8, except that an unpaired surrogate is encoded like any other character below U+10000 instead of
   * as {@code '?'}, so distinct strings always have distinct bytes.
   */
  private static byte[] wtf8(String key) {
    byte[] bytes = new byte[key.length() * 3]; // a character takes at most 3 bytes; a pair takes 4 for 2
    int size = 0;
    for (int i = 0; i < key.length(); ) {
      int c = key.codePointAt(i); // an unpaired surrogate comes back as itself
      i += Character.charCount(c);
      if (c < 0x80) {
        bytes[size++] = (byte) c;
      } else if (c < 0x800) {
        bytes[size++] = (byte) (0xC0 | c >> 6);
        bytes[size++] = (byte) (0x80 | c & 0x3F);
      } else if (c < 0x10000) {
        bytes[size++] = (byte) (0xE0 | c >> 12);
        bytes[size++] = (byte) (0x80 | c >> 6 & 0x3F);
        bytes[size++] = (byte) (0x80 | c & 0x3F);
      } else {
        bytes[size++] = (byte) (0xF0 | c >> 18);
        bytes[size++] = (byte) (0x80 | c >> 12 & 0x3F);
        bytes[size++] = (byte) (0x80 | c >> 6 & 0x3F);
        bytes[size++] = (byte) (0x80 | c & 0x3F);
      }
    }
    return Arrays.copyOf(bytes, size);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      // Every Java platform must provide SHA-256 (java.security.MessageDigest Javadoc).
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
