package dev.otto.idempotency;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The one binary format of a {@link StoredResponse}, an SPI helper for {@link IdempotencyStore}
 * implementations so every store writes the same versioned bytes. Applications do not need it.
 *
 * <p>Format version 1, big-endian: {@code u8 version = 1}, {@code i32 status}, {@code i32 headerCount},
 * per header {@code i32 nameLength, name UTF-8, i32 valueLength, value UTF-8}, then
 * {@code i32 bodyLength, body}. A new format gets a new version byte; decoders keep reading old ones.
 *
 * <p>Thread-safe: stateless.
 */
public final class StoredResponseCodec {

  /** The version byte written by {@link #encode}. */
  public static final int VERSION = 1;

  /** Far above any sane header block; guards a corrupt length from allocating gigabytes. */
  private static final int MAX_HEADERS = 10_000;

  private StoredResponseCodec() {
  }

  /**
   * Encodes a response in the current format.
   *
   * @param response the response
   * @return a new array
   */
  public static byte[] encode(StoredResponse response) {
    int size = 13 + response.bodyLength();
    for (StoredResponse.Header header : response.headers()) {
      size += 8 + header.name().length() * 3 + header.value().length() * 3;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(size);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeInt(response.status());
      out.writeInt(response.headers().size());
      for (StoredResponse.Header header : response.headers()) {
        writeString(out, header.name());
        writeString(out, header.value());
      }
      byte[] body = response.body();
      out.writeInt(body.length);
      out.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot happen: writing to memory", e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes bytes written by {@link #encode} of this or an earlier format version.
   *
   * @param data the stored bytes
   * @return the response
   * @throws IdempotencyStoreException when the version is unknown or the data is truncated or corrupt
   */
  public static StoredResponse decode(byte[] data) {
    if (data.length == 0) {
      throw new IdempotencyStoreException("Stored idempotent response is empty; expected format version "
          + VERSION, null);
    }
    int version = data[0] & 0xFF;
    if (version != VERSION) {
      throw new IdempotencyStoreException("Stored idempotent response has unknown format version " + version
          + "; this Otto version reads version " + VERSION + " (was it written by a newer Otto?)", null);
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 1, data.length - 1))) {
      int status = in.readInt();
      int headerCount = in.readInt();
      if (headerCount < 0 || headerCount > MAX_HEADERS) {
        throw corrupt("header count " + headerCount, null);
      }
      List<StoredResponse.Header> headers = new ArrayList<>(headerCount);
      for (int i = 0; i < headerCount; i++) {
        headers.add(new StoredResponse.Header(readString(in), readString(in)));
      }
      byte[] body = readBytes(in);
      if (in.available() != 0) {
        throw corrupt(in.available() + " trailing bytes", null);
      }
      return new StoredResponse(status, headers, body);
    } catch (EOFException e) {
      throw corrupt("truncated data", e);
    } catch (IOException | IllegalArgumentException e) {
      throw corrupt(e.getMessage(), e);
    }
  }

  private static void writeString(DataOutputStream out, String value) throws IOException {
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static String readString(DataInputStream in) throws IOException {
    return new String(readBytes(in), StandardCharsets.UTF_8);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > in.available()) {
      throw corrupt("length " + length + " with " + in.available() + " bytes left", null);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return bytes;
  }

  private static IdempotencyStoreException corrupt(@Nullable String what, @Nullable Throwable cause) {
    return new IdempotencyStoreException("Stored idempotent response (format version " + VERSION
        + ") is corrupt: " + what, cause);
  }
}
