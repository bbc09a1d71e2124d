package dev.otto.ratelimit.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The GCRA Lua script ({@code gcra.lua}) and the SHA-1 digest EVALSHA names it by. */
final class GcraScript {

  private static final String RESOURCE = "gcra.lua";

  final String source;
  final String sha;

  private GcraScript(String source) {
    this.source = source;
    this.sha = sha1Hex(source);
  }

  static GcraScript load() {
    try (InputStream in = GcraScript.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing next to " + GcraScript.class.getName()
            + "; the otto-ratelimit jar is incomplete");
      }
      return new GcraScript(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
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
