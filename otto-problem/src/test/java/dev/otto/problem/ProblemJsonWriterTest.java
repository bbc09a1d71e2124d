package dev.otto.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ProblemJsonWriterTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final ProblemJsonWriter writer = ProblemJsonWriter.create();

  private JsonNode parse(byte[] bytes) {
    return JSON.readTree(bytes);
  }

  @Test
  void mediaTypeIsProblemJson() {
    assertThat(ProblemJsonWriter.MEDIA_TYPE).isEqualTo("application/problem+json");
  }

  @Test
  void writesStandardMembersThenExtensionsInInsertionOrderThenErrors() {
    Problem problem = Problem.builder(422)
        .error("must be positive", "#/amount")
        .extension("zeta", 1)
        .instance("/orders")
        .detail("2 fields are invalid")
        .extension("alpha", "a")
        .type("https://example.com/invalid")
        .title("Invalid order")
        .build();

    JsonNode json = parse(writer.toBytes(problem));

    assertThat(json.propertyNames()).containsExactly(
        "type", "title", "status", "detail", "instance", "zeta", "alpha", "errors");
    assertThat(json.get("type").stringValue()).isEqualTo("https://example.com/invalid");
    assertThat(json.get("title").stringValue()).isEqualTo("Invalid order");
    assertThat(json.get("status").isInt()).isTrue();
    assertThat(json.get("status").intValue()).isEqualTo(422);
    assertThat(json.get("detail").stringValue()).isEqualTo("2 fields are invalid");
    assertThat(json.get("instance").stringValue()).isEqualTo("/orders");
    assertThat(json.get("zeta").intValue()).isEqualTo(1);
    assertThat(json.get("alpha").stringValue()).isEqualTo("a");
  }

  @Test
  void plainProblemHasOnlyTypeTitleAndStatus() {
    JsonNode json = parse(writer.toBytes(Problem.of(404)));

    assertThat(json.propertyNames()).containsExactly("type", "title", "status");
    assertThat(json.get("type").stringValue()).isEqualTo("about:blank");
    assertThat(json.get("title").stringValue()).isEqualTo("Not Found");
  }

  @Test
  void errorsAreObjectsWithDetailAndAPointerOnlyWhenPresent() {
    Problem problem = Problem.builder(400)
        .error("must be positive", "#/amount")
        .error("body is malformed", null)
        .build();

    JsonNode errors = parse(writer.toBytes(problem)).get("errors");

    assertThat(errors.isArray()).isTrue();
    assertThat(errors.size()).isEqualTo(2);
    assertThat(errors.get(0).propertyNames()).containsExactly("detail", "pointer");
    assertThat(errors.get(0).get("pointer").stringValue()).isEqualTo("#/amount");
    assertThat(errors.get(1).propertyNames()).containsExactly("detail");
    assertThat(errors.get(1).get("detail").stringValue()).isEqualTo("body is malformed");
  }

  @Test
  void escapesQuotesBackslashesAndControlCharacters() {
    String nasty = "he said \"hi\" \\ then\n\r\t\u0000\u0001\u001f </script> \u2028 end";
    Problem problem = Problem.builder(400).detail(nasty).extension("quote\"name", nasty).build();

    byte[] bytes = writer.toBytes(problem);
    JsonNode json = parse(bytes);

    assertThat(json.get("detail").stringValue()).isEqualTo(nasty);
    assertThat(json.get("quote\"name").stringValue()).isEqualTo(nasty);
    for (byte b : bytes) {
      assertThat(b & 0xff).as("raw control character in output").isGreaterThanOrEqualTo(0x20);
    }
  }

  @Test
  void writesUtf8() {
    Problem problem = Problem.builder(400).detail("Grüße € 🚀").build();

    byte[] bytes = writer.toBytes(problem);

    assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("Grüße € 🚀");
    assertThat(parse(bytes).get("detail").stringValue()).isEqualTo("Grüße € 🚀");
  }

  @Test
  void writesNestedExtensionValuesWithTheirJsonTypes() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("b", false);
    nested.put("n", null);
    List<Object> list = new ArrayList<>();
    list.add(1);
    list.add(null);
    list.add(List.of("x"));
    Problem problem = Problem.builder(400)
        .extension("long", Long.MAX_VALUE)
        .extension("big", new BigInteger("123456789012345678901234567890"))
        .extension("decimal", new BigDecimal("0.10"))
        .extension("double", 1.5d)
        .extension("short", (short) 7)
        .extension("null", null)
        .extension("list", list)
        .extension("map", nested)
        .build();

    JsonNode json = parse(writer.toBytes(problem));

    assertThat(json.get("long").longValue()).isEqualTo(Long.MAX_VALUE);
    assertThat(json.get("big").bigIntegerValue())
        .isEqualTo(new BigInteger("123456789012345678901234567890"));
    assertThat(json.get("decimal").decimalValue()).isEqualByComparingTo("0.10");
    assertThat(json.get("double").doubleValue()).isEqualTo(1.5d);
    assertThat(json.get("short").intValue()).isEqualTo(7);
    assertThat(json.get("null").isNull()).isTrue();
    assertThat(json.get("list").toString()).isEqualTo("[1,null,[\"x\"]]");
    assertThat(json.get("map").toString()).isEqualTo("{\"b\":false,\"n\":null}");
  }

  @Test
  void writeLeavesTheStreamOpen() throws IOException {
    boolean[] closed = {false};
    ByteArrayOutputStream target = new ByteArrayOutputStream() {
      @Override
      public void close() {
        closed[0] = true;
      }
    };

    writer.write(Problem.of(400), target);

    assertThat(closed[0]).isFalse();
    assertThat(target.toByteArray()).isEqualTo(writer.toBytes(Problem.of(400)));
  }

  @Test
  void failureOfTheStreamSurfacesAsTheIoException() {
    IOException gone = new IOException("client went away");
    OutputStream failing = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw gone;
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        throw gone;
      }
    };

    assertThatThrownBy(() -> writer.write(Problem.of(400), failing)).isSameAs(gone);
  }
}
