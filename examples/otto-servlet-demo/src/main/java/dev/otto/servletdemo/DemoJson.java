package dev.otto.servletdemo;

import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * The demo's one place for JSON: Jackson's streaming core, without data binding, both ways. Thread-safe.
 */
final class DemoJson {

  /** Request bodies larger than this are refused before parsing. */
  static final int MAX_BODY_BYTES = 4096;

  private final JsonFactory factory = new JsonFactory();

  /** Writes {@code body} as the response: status, {@code application/json}, length, then the bytes. */
  void write(HttpServletResponse response, int status, Consumer<JsonGenerator> body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    try (JsonGenerator generator =
        factory.createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8)) {
      body.accept(generator);
    }
    response.setStatus(status);
    response.setContentType("application/json");
    response.setContentLength(out.size());
    out.writeTo(response.getOutputStream());
  }

  /** A parser over {@code body}; the caller closes it. */
  JsonParser parser(byte[] body) {
    return factory.createParser(ObjectReadContext.empty(), body);
  }

  /**
   * Reads the whole request body, or returns {@code null} as soon as it holds more than
   * {@link #MAX_BODY_BYTES}.
   */
  static byte @Nullable [] readBody(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    return body.length > MAX_BODY_BYTES ? null : body;
  }
}
