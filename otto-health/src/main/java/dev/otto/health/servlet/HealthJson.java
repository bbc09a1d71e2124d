package dev.otto.health.servlet;

import dev.otto.health.CheckResult;
import dev.otto.health.Readiness;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonEncoding;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.core.JacksonException;
import tools.jackson.core.json.JsonFactory;
import org.jspecify.annotations.Nullable;

/**
 * The JSON of the health endpoints, written and read with Jackson's streaming core. Immutable and
 * thread-safe.
 */
final class HealthJson {

  private final JsonFactory factory =
      JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

  /** {@code {"status":"UP"}}. */
  byte[] liveness() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16);
    try (JsonGenerator generator = generator(out)) {
      generator.writeStartObject();
      generator.writeStringProperty("status", "UP");
      generator.writeEndObject();
    }
    return out.toByteArray();
  }

  /**
   * The body of {@code /ready}: {@code ready}, {@code degraded}, {@code components} (each with
   * {@code status}, {@code critical}, {@code duration_ms}, {@code error} when {@code DOWN}, and
   * {@code details} when asked for and present), {@code timestamp}, {@code duration_ms},
   * {@code service}.
   */
  byte[] readiness(Readiness readiness, String service, boolean details) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator generator = generator(out)) {
      generator.writeStartObject();
      generator.writeBooleanProperty("ready", readiness.ready());
      generator.writeBooleanProperty("degraded", readiness.degraded());
      generator.writeName("components");
      generator.writeStartObject();
      for (CheckResult result : readiness.components().values()) {
        generator.writeName(result.name());
        generator.writeStartObject();
        generator.writeStringProperty("status", result.status().name());
        generator.writeBooleanProperty("critical", result.critical());
        generator.writeNumberProperty("duration_ms", result.duration().toMillis());
        if (result.error() != null) {
          generator.writeStringProperty("error", result.error());
        }
        if (details && !result.details().isEmpty()) {
          generator.writeName("details");
          writeValue(generator, result.details());
        }
        generator.writeEndObject();
      }
      generator.writeEndObject();
      generator.writeStringProperty("timestamp",
          readiness.timestamp().truncatedTo(ChronoUnit.MILLIS).toString());
      generator.writeNumberProperty("duration_ms", readiness.duration().toMillis());
      generator.writeStringProperty("service", service);
      generator.writeEndObject();
    }
    return out.toByteArray();
  }

  /**
   * Reads the worker id from a heartbeat body: a JSON object with a string member {@code worker}
   * (other members are ignored) and nothing after it.
   *
   * @return the worker id, or {@code null} when the body is not such an object (malformed JSON, no or
   *     several {@code worker} members, a non-string {@code worker}, trailing content)
   */
  @Nullable String heartbeatWorker(byte[] body) {
    try (JsonParser parser = factory.createParser(ObjectReadContext.empty(), body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String worker = null;
      boolean seen = false;
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("worker".equals(name)) {
          if (seen || value != JsonToken.VALUE_STRING) {
            return null;
          }
          seen = true;
          worker = parser.getString();
        } else {
          parser.skipChildren();
        }
      }
      if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
        return null;
      }
      return worker;
    } catch (JacksonException malformed) {
      return null;
    }
  }

  private JsonGenerator generator(ByteArrayOutputStream out) {
    return factory.createGenerator(ObjectWriteContext.empty(), out, JsonEncoding.UTF8);
  }

  /**
   * Writes a detail value. {@link CheckResult} holds details only as immutable JSON-like values, already
   * bounded in depth and free of cycles, so nothing here calls a {@code toString()} or can loop.
   */
  private static void writeValue(JsonGenerator generator, @Nullable Object value) {
    if (value == null) {
      generator.writeNull();
    } else if (value instanceof String text) {
      generator.writeString(text);
    } else if (value instanceof Boolean flag) {
      generator.writeBoolean(flag);
    } else if (value instanceof BigInteger big) {
      generator.writeNumber(big);
    } else if (value instanceof BigDecimal decimal) {
      generator.writeNumber(decimal);
    } else if (value instanceof Double || value instanceof Float) {
      double number = ((Number) value).doubleValue();
      if (Double.isFinite(number)) {
        generator.writeNumber(number);
      } else {
        generator.writeString(Double.toString(number)); // JSON has no NaN nor infinity
      }
    } else if (value instanceof Number number) {
      generator.writeNumber(number.longValue()); // Integer, Long, Short, Byte
    } else if (value instanceof Map<?, ?> map) {
      generator.writeStartObject();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        generator.writeName((String) entry.getKey());
        writeValue(generator, entry.getValue());
      }
      generator.writeEndObject();
    } else if (value instanceof List<?> list) {
      generator.writeStartArray();
      for (Object element : list) {
        writeValue(generator, element);
      }
      generator.writeEndArray();
    } else {
      throw new IllegalStateException("not a detail value of a CheckResult: " + value.getClass().getName());
    }
  }
}
