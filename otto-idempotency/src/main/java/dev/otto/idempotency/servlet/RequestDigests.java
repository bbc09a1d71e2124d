package dev.otto.idempotency.servlet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one place where request data becomes digests: the scoped store key and the request fingerprint.
 * Every field is fed as a 4-byte length followed by its UTF-8 bytes (length -1 for an absent field), so no
 * two different field lists produce the same input: ("ab", "c") and ("a", "bc") stay apart, which a plain
 * concatenation would not.
 */
final class RequestDigests {

  private static final HexFormat HEX = HexFormat.of();

  /** Domain separators, so a key digest can never equal a fingerprint of the same fields. */
  private static final String KEY_DOMAIN = "otto-idempotency-key-v1";
  private static final String FINGERPRINT_DOMAIN = "otto-idempotency-fingerprint-v1";

  private RequestDigests() {
  }

  /**
   * The store key: lower-case hex SHA-256 over length-prefixed (principal, method, path, key), so equal
   * keys of two principals or two routes never share a record and a store never sees a client's raw key.
   *
   * @param principal the principal's name, {@code ""} for anonymous requests
   */
  static String scopedKey(String principal, String method, String path, String key) {
    Hasher hasher = new Hasher(KEY_DOMAIN);
    hasher.field(principal);
    hasher.field(method);
    hasher.field(path);
    hasher.field(key);
    return hasher.hex();
  }

  /**
   * The request fingerprint: hex SHA-256 over length-prefixed method, path, query string, each selected
   * header (name and all its values in order, absent distinct from empty), the body bytes, and, when the
   * body had been consumed before the filter saw it (a form read through {@code getParameter}), the form
   * parameters.
   */
  static String fingerprint(String method, String path, @Nullable String query, List<String> headerNames,
      List<List<String>> headerValues, byte[] body, int bodyLength, @Nullable Map<String, String[]> parameters) {
    Hasher hasher = new Hasher(FINGERPRINT_DOMAIN);
    hasher.field(method);
    hasher.field(path);
    hasher.field(query);
    hasher.count(headerNames.size());
    for (int i = 0; i < headerNames.size(); i++) {
      hasher.field(HeaderNames.lower(headerNames.get(i)));
      List<String> values = headerValues.get(i);
      hasher.count(values.size());
      for (String value : values) {
        hasher.field(value);
      }
    }
    hasher.bytes(body, bodyLength);
    if (parameters == null) {
      hasher.count(-1);
    } else {
      hasher.count(parameters.size());
      parameters.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
        hasher.field(entry.getKey());
        hasher.count(entry.getValue().length);
        for (String value : entry.getValue()) {
          hasher.field(value);
        }
      });
    }
    return hasher.hex();
  }

  /** Feeds length-prefixed fields into one SHA-256. */
  private static final class Hasher {

    private final MessageDigest digest = sha256();
    private final byte[] length = new byte[4];

    Hasher(String domain) {
      field(domain);
    }

    void field(@Nullable String value) {
      if (value == null) {
        count(-1);
        return;
      }
      byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
      bytes(utf8, utf8.length);
    }

    void bytes(byte[] bytes, int count) {
      count(count);
      digest.update(bytes, 0, count);
    }

    void count(int value) {
      length[0] = (byte) (value >>> 24);
      length[1] = (byte) (value >>> 16);
      length[2] = (byte) (value >>> 8);
      length[3] = (byte) value;
      digest.update(length);
    }

    String hex() {
      return HEX.formatHex(digest.digest());
    }
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
