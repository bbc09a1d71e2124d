package dev.otto.idempotency.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Finds a request's idempotency key, for example in a header. The filter checks what it returns: a key
 * must be 1 to 255 visible ASCII characters ({@code 0x21}-{@code 0x7E}), or the request is answered
 * {@code 400}.
 *
 * <pre>{@code
 * KeyExtractor twilio = KeyExtractor.header("I-Twilio-Idempotency-Token");
 * KeyExtractor custom = request -> request.getHeader("X-Request-Id");
 * }</pre>
 *
 * <p>Implementations are called on the request thread before the body is read, must be thread-safe, and
 * must not read the request body. An exception thrown by an extractor propagates to the container.
 */
@FunctionalInterface
public interface KeyExtractor {

  /**
   * Returns the request's key as sent.
   *
   * @param request the request
   * @return the key, or {@code null} (or empty) when the request carries none
   */
  @Nullable String extract(HttpServletRequest request);

  /**
   * Reads the key from a request header. A header sent more than once yields a value that is never a
   * valid key, so such a request is answered {@code 400} rather than keyed by one of its values.
   *
   * @param name the header name, such as {@code Idempotency-Key}
   * @return the extractor
   * @throws IllegalArgumentException naming the value when it is not a valid header name
   */
  static KeyExtractor header(String name) {
    return new HeaderKeyExtractor(HeaderNames.requireValid("key header", name));
  }
}
