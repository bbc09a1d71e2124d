package dev.otto.idempotency.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How the filter buffers a request body: sized by what arrives, not by what the client declares. */
class RequestBodyBufferTest {

  private static final int LIMIT = 1024 * 1024;
  private static final int UNKNOWN = -1;

  @Test
  void startsSmallWhateverLengthTheClientDeclares() throws IOException {
    // A client declares the limit and sends one byte: it must not hold a buffer of the limit.
    BufferedBodyRequest body = IdempotencyFilter.readBody(requestWith(new byte[] {'{'}), LIMIT, LIMIT, false);

    assertThat(body).isNotNull();
    assertThat(body.length).isEqualTo(1);
    assertThat(body.body.length).isLessThanOrEqualTo(IdempotencyFilter.FIRST_BODY_BUFFER);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 100, 8192, 8193, 100_000, LIMIT})
  void readsEveryByteOfABodyUpToTheLimitWithOrWithoutADeclaredLength(int size) throws IOException {
    byte[] sent = randomBytes(size);

    for (long declared : new long[] {size, UNKNOWN}) {
      BufferedBodyRequest body = IdempotencyFilter.readBody(requestWith(sent), declared, LIMIT, false);

      assertThat(body).isNotNull();
      assertThat(body.overLimit).isFalse();
      assertThat(Arrays.copyOf(body.body, body.length)).isEqualTo(sent);
    }
  }

  @Test
  void holdsABodyOfTheDeclaredLengthInOneBufferOfThatLength() throws IOException {
    BufferedBodyRequest body = IdempotencyFilter.readBody(requestWith(randomBytes(100)), 100, LIMIT, false);

    assertThat(body).isNotNull();
    assertThat(body.body.length).isEqualTo(100);
  }

  @Test
  void refusesABodyOneByteOverTheLimitUnderAnEnforcingRule() throws IOException {
    assertThat(IdempotencyFilter.readBody(requestWith(randomBytes(20_001)), UNKNOWN, 20_000, false)).isNull();
  }

  @Test
  void replaysTheWholeBodyOverTheLimitUnderAShadowRule() throws IOException {
    byte[] sent = randomBytes(50_000);

    BufferedBodyRequest body = IdempotencyFilter.readBody(requestWith(sent), UNKNOWN, 20_000, true);

    assertThat(body).isNotNull();
    assertThat(body.overLimit).isTrue();
    assertThat(body.length).isEqualTo(20_001);
    assertThat(body.getInputStream().readAllBytes()).isEqualTo(sent);
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  /** A request whose input stream yields {@code body}; any other call fails loudly. */
  private static HttpServletRequest requestWith(byte[] body) {
    ByteArrayInputStream bytes = new ByteArrayInputStream(body);
    ServletInputStream in = new ServletInputStream() {
      @Override
      public int read() {
        return bytes.read();
      }

      @Override
      public int read(byte[] buffer, int offset, int count) {
        return bytes.read(buffer, offset, count);
      }

      @Override
      public boolean isFinished() {
        return bytes.available() == 0;
      }

      @Override
      public boolean isReady() {
        return true;
      }

      @Override
      public void setReadListener(ReadListener listener) {
        throw new UnsupportedOperationException("setReadListener");
      }
    };
    return (HttpServletRequest) Proxy.newProxyInstance(RequestBodyBufferTest.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (proxy, method, args) -> switch (method.getName()) {
          case "getInputStream" -> in;
          case "toString" -> "FakeRequest[" + body.length + " bytes]";
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
