package dev.otto.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The one place where a caller's key becomes key material that a back end stores: long keys are replaced
 * by a digest so neither Redis nor memory ever holds more than a bounded number of characters per key,
 * whatever a client sends.
 */
final class StorageKeys {

  /** Keys up to this many characters are stored as they are. */
  static final int MAX_KEY_LENGTH = 256;

  /** Marks a digested key; the digest is 64 hex characters, so the stored form has 71. */
  private static final String DIGEST_MARK = "sha256:";

  private StorageKeys() {
  }

  /**
   * Returns {@code key} itself when it has at most {@value #MAX_KEY_LENGTH} characters, otherwise
   * {@code "sha256:"} followed by the lower-case hex SHA-256 of its UTF-8 bytes.
   */
  static String normalize(String key) {
    if (key.length() <= MAX_KEY_LENGTH) {
      return key;
    }
    return DIGEST_MARK + HexFormat.of().formatHex(sha256().digest(key.getBytes(StandardCharsets.UTF_8)));
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
