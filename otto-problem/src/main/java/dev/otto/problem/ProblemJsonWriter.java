package dev.otto.problem;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.exc.JacksonIOException;
import tools.jackson.core.json.JsonFactory;

/**
 * Writes a {@link Problem} as {@code application/problem+json} in UTF-8, through Jackson's streaming
 * generator.
 *
 * <p>Members come in a fixed order: {@code type}, {@code title}, {@code status}, {@code detail},
 * {@code instance}, the extensions in insertion order, then {@code errors} when there are any.
 * {@code detail} and {@code instance} are left out when {@code null}. Strings are escaped by Jackson, so
 * quotes, backslashes and control characters in a detail cannot break the document.
 *
 * <p>A writer is immutable and thread-safe; one instance is meant to be shared by the whole
 * application.
 */
public final class ProblemJsonWriter {

  /** The media type of a problem response body (RFC 9457). */
  public static final String MEDIA_TYPE = "application/problem+json";

  private final JsonFactory factory;

  /** Creates a writer. Prefer sharing one instance. */
  public ProblemJsonWriter() {
    // The caller owns the stream: closing the generator must not close it.
    this.factory = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();
  }

  /** Creates a writer; the same as {@code new ProblemJsonWriter()}. */
  public static ProblemJsonWriter create() {
    return new ProblemJsonWriter();
  }

  /**
   * Writes {@code problem} to {@code out} and flushes it. The stream is not closed.
   *
   * @throws IOException if writing to {@code out} fails
   */
  public void write(Problem problem, OutputStream out) throws IOException {
    try (JsonGenerator generator =
        factory.createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8)) {
      writeProblem(generator, problem);
    } catch (JacksonIOException e) {
      // Jackson 3 wraps I/O failures in an unchecked exception; callers expect the IOException.
      throw e.getCause();
    }
  }

  /** Returns {@code problem} as UTF-8 encoded JSON. */
  public byte[] toBytes(Problem problem) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try {
      write(problem, out);
    } catch (IOException e) {
      throw new UncheckedIOException("a ByteArrayOutputStream does not fail", e);
    }
    return out.toByteArray();
  }

  private static void writeProblem(JsonGenerator generator, Problem problem) {
    generator.writeStartObject();
    generator.writeName("type");
    generator.writeString(problem.type().toString());
    generator.writeName("title");
    generator.writeString(problem.title());
    generator.writeName("status");
    generator.writeNumber(problem.status());
    if (problem.detail() != null) {
      generator.writeName("detail");
      generator.writeString(problem.detail());
    }
    if (problem.instance() != null) {
      generator.writeName("instance");
      generator.writeString(problem.instance());
    }
    for (Map.Entry<String, @Nullable Object> extension : problem.extensions().entrySet()) {
      generator.writeName(extension.getKey());
      writeValue(generator, extension.getValue());
    }
    if (!problem.errors().isEmpty()) {
      generator.writeName("errors");
      generator.writeStartArray();
      for (Violation violation : problem.errors()) {
        generator.writeStartObject();
        generator.writeName("detail");
        generator.writeString(violation.detail());
        if (violation.pointer() != null) {
          generator.writeName("pointer");
          generator.writeString(violation.pointer());
        }
        generator.writeEndObject();
      }
      generator.writeEndArray();
    }
    generator.writeEndObject();
  }

  // Problem.Builder admits only these types, so anything else is a bug here, not bad input.
  private static void writeValue(JsonGenerator generator, @Nullable Object value) {
    if (value == null) {
      generator.writeNull();
    } else if (value instanceof String string) {
      generator.writeString(string);
    } else if (value instanceof Boolean bool) {
      generator.writeBoolean(bool);
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte) {
      generator.writeNumber(((Number) value).longValue());
    } else if (value instanceof BigInteger big) {
      generator.writeNumber(big);
    } else if (value instanceof BigDecimal decimal) {
      generator.writeNumber(decimal);
    } else if (value instanceof Float number) {
      generator.writeNumber(number.floatValue());
    } else if (value instanceof Double number) {
      generator.writeNumber(number.doubleValue());
    } else if (value instanceof List<?> list) {
      generator.writeStartArray();
      for (Object element : list) {
        writeValue(generator, element);
      }
      generator.writeEndArray();
    } else if (value instanceof Map<?, ?> map) {
      generator.writeStartObject();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        generator.writeName((String) entry.getKey());
        writeValue(generator, entry.getValue());
      }
      generator.writeEndObject();
    } else {
      throw new IllegalStateException("unexpected extension value type " + value.getClass().getName());
    }
  }
}
