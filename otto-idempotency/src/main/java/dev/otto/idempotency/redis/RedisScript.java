package dev.otto.idempotency.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** One Lua script of the store (a resource next to this class) and the SHA-1 digest EVALSHA names it by. */
final class RedisScript {

  static final RedisScript CLAIM = load("claim.lua");
  static final RedisScript COMPLETE = load("complete.lua");
  static final RedisScript RELEASE = load("release.lua");
  static final RedisScript FIND = load("find.lua");

  final String name;
  final String source;
  final String sha;

  private RedisScript(String name, String source) {
    this.name = name;
    this.source = source;
    this.sha = sha1Hex(source);
  }

  private static RedisScript load(String resource) {
    try (InputStream in = RedisScript.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing next to " + RedisScript.class.getName()
            + "; the otto-idempotency jar is incomplete");
      }
      return new RedisScript(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  private static String sha1Hex(String text) {
    try {
      // Redis names scripts by the SHA-1 of their source; this is not a security use.
      MessageDigest digest = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JVM", e);
    }
  }
}
