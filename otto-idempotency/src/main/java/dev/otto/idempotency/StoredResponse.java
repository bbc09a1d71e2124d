package dev.otto.idempotency;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A response as stored for replay: status, the safe headers and the body bytes. Immutable: the body is
 * copied in and out; {@link #equals}, {@link #hashCode} and {@link #toString} go by the body's contents.
 *
 * @param status the HTTP status, 100 to 999
 * @param headers the stored header fields in order, a name may repeat
 * @param body the body bytes
 */
public record StoredResponse(int status, List<StoredResponse.Header> headers, byte[] body) {

  /**
   * Validates and copies.
   *
   * @param status the HTTP status, 100 to 999
   * @param headers the stored header fields in order, a name may repeat
   * @param body the body bytes; copied
   * @throws IllegalArgumentException when the status is outside 100 to 999
   * @throws NullPointerException when a component or header is null
   */
  public StoredResponse {
    if (status < 100 || status > 999) {
      throw new IllegalArgumentException("status must be between 100 and 999: " + status);
    }
    headers = List.copyOf(headers);
    body = Objects.requireNonNull(body, "body").clone();
  }

  /**
   * Returns a copy of the body bytes.
   *
   * @return a new array on each call
   */
  @Override
  public byte[] body() {
    return body.clone();
  }

  /**
   * The body length, without copying the body.
   *
   * @return the number of body bytes
   */
  public int bodyLength() {
    return body.length;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof StoredResponse that
        && status == that.status
        && headers.equals(that.headers)
        && Arrays.equals(body, that.body);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * status + headers.hashCode()) + Arrays.hashCode(body);
  }

  @Override
  public String toString() {
    return "StoredResponse[status=" + status + ", headers=" + headers + ", body=" + body.length + " bytes, sha="
        + Integer.toHexString(Arrays.hashCode(body)) + "]";
  }

  /**
   * One stored header field.
   *
   * @param name the field name as the application set it
   * @param value the field value
   */
  public record Header(String name, String value) {

    /**
     * Validates the components.
     *
     * @param name the field name as the application set it
     * @param value the field value
     * @throws NullPointerException when a component is null
     */
    public Header {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }
  }
}
