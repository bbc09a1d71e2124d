package dev.otto.idempotency.servlet;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The request as the handler sees it after the filter read its body: {@link #getInputStream()} and
 * {@link #getReader()} replay the buffered bytes (followed by the unread rest, when a shadow rule stopped
 * buffering at the limit), and for {@code POST} requests with {@code application/x-www-form-urlencoded}
 * bodies the parameter methods return the query string's parameters followed by the body's, as the
 * container would have (the container also withholds them from a handler that read the stream first; here
 * they stay available, except past a shadow rule's limit, below). Other methods' form bodies are left to
 * the handler, as the Servlet specification and Tomcat's default {@code parseBodyMethods} leave them
 * (Spring's {@code FormContentFilter} parses them from the stream, which replays them).
 *
 * <p>The container cannot parse form parameters itself any more: it reads them from its own input buffer,
 * which the filter has drained. So the form body is parsed here, with the request's character encoding or,
 * like the container, ISO-8859-1 when there is none. Multipart bodies are not parsed here: handlers of
 * multipart requests under an idempotency rule must read the stream.
 *
 * <p>When a shadow rule stopped buffering at the limit, asking for a parameter reads the rest of the form
 * into memory first, as the container would have, unless the handler has already taken the stream or
 * reader (then, like the container, only the query string's parameters are returned). Like Tomcat with its
 * default {@code maxPostSize}, a form of more than {@link #MAX_OVERSIZED_FORM} bytes is not parsed:
 * {@code getParameter} throws an {@link IllegalStateException}.
 *
 * <p>Not thread-safe, like the request it wraps.
 */
final class BufferedBodyRequest extends HttpServletRequestWrapper {

  private static final String FORM = "application/x-www-form-urlencoded";

  /** The only method whose form body the container parses (Tomcat's default {@code parseBodyMethods}). */
  private static final String PARSED_METHOD = "POST";

  /**
   * The largest form read past the filter's limit to parse it: Tomcat's default {@code maxPostSize} (and
   * Spring Boot's {@code server.tomcat.max-http-form-post-size}), so a shadow rule holds no more of a form in
   * memory than the container would by default.
   */
  static final int MAX_OVERSIZED_FORM = 2 * 1024 * 1024;

  /** The buffered body bytes; only the first {@link #length} count. */
  final byte[] body;
  final int length;
  /** Whether a shadow rule stopped buffering at the limit; the handler still reads the whole body. */
  boolean overLimit;
  /** What the filter left unread; replaced by the bytes read to parse an oversized form. */
  private @Nullable InputStream rest;
  private @Nullable ServletInputStream stream;
  private @Nullable BufferedReader reader;
  private @Nullable Map<String, String[]> parameters;
  /** Why an oversized form was not parsed, once it was refused. */
  private @Nullable IllegalStateException formRefusal;

  BufferedBodyRequest(HttpServletRequest request, byte[] body, int length, @Nullable InputStream rest) {
    super(request);
    this.body = body;
    this.length = length;
    this.rest = rest;
  }

  static boolean isForm(@Nullable String contentType) {
    if (contentType == null) {
      return false;
    }
    int end = contentType.indexOf(';');
    String mediaType = (end < 0 ? contentType : contentType.substring(0, end)).trim();
    return mediaType.equalsIgnoreCase(FORM);
  }

  @Override
  public ServletInputStream getInputStream() {
    if (reader != null) {
      throw new IllegalStateException("getReader() has already been called for this request");
    }
    if (stream == null) {
      stream = new ReplayInputStream();
    }
    return stream;
  }

  @Override
  public BufferedReader getReader() throws IOException {
    if (stream != null) {
      throw new IllegalStateException("getInputStream() has already been called for this request");
    }
    if (reader == null) {
      reader = new BufferedReader(new InputStreamReader(new ReplayInputStream(), charset()));
    }
    return reader;
  }

  private Charset charset() throws UnsupportedEncodingException {
    String encoding = getCharacterEncoding();
    if (encoding == null) {
      return StandardCharsets.ISO_8859_1; // the Servlet specification's default for request bodies
    }
    try {
      return Charset.forName(encoding);
    } catch (IllegalCharsetNameException | UnsupportedCharsetException e) {
      throw new UnsupportedEncodingException(encoding);
    }
  }

  @Override
  public @Nullable String getParameter(String name) {
    String[] values = parameters().get(name);
    return values == null || values.length == 0 ? null : values[0];
  }

  @Override
  public Map<String, String[]> getParameterMap() {
    return parameters();
  }

  @Override
  public Enumeration<String> getParameterNames() {
    return Collections.enumeration(parameters().keySet());
  }

  @Override
  public String @Nullable [] getParameterValues(String name) {
    String[] values = parameters().get(name);
    return values == null ? null : values.clone();
  }

  private Map<String, String[]> parameters() {
    Map<String, String[]> parsed = parameters;
    if (parsed == null) {
      parsed = parseParameters();
      parameters = parsed;
    }
    return parsed;
  }

  private Map<String, String[]> parseParameters() {
    Map<String, String[]> containers = super.getParameterMap();
    if (!PARSED_METHOD.equals(getMethod()) || !isForm(getContentType()) || length == 0
        || (rest != null && (stream != null || reader != null))) {
      return containers; // nothing of ours to add (the container parsed the query string, or a consumed form)
    }
    Charset charset;
    try {
      charset = charset();
    } catch (UnsupportedEncodingException e) {
      return containers; // like the container: an unknown encoding yields no body parameters
    }
    byte[] bytes = body;
    int count = length;
    if (rest != null) {
      bytes = readOversizedForm(rest);
      count = bytes.length;
      rest = new ByteArrayInputStream(bytes, length, count - length); // the handler may still read the body
    }
    Map<String, List<String>> merged = new LinkedHashMap<>();
    containers.forEach((name, values) -> merged.computeIfAbsent(name, n -> new ArrayList<>()).addAll(List.of(values)));
    String form = new String(bytes, 0, count, StandardCharsets.ISO_8859_1); // percent-encoded: ASCII
    for (String pair : form.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      String value = equals < 0 ? "" : pair.substring(equals + 1);
      try {
        merged.computeIfAbsent(decode(name, charset), n -> new ArrayList<>()).add(decode(value, charset));
      } catch (IllegalArgumentException e) {
        // Malformed %-escape: skipped, as the container skips a parameter it cannot decode.
      }
    }
    Map<String, String[]> result = new LinkedHashMap<>();
    merged.forEach((name, values) -> result.put(name, values.toArray(new String[0])));
    return Collections.unmodifiableMap(result);
  }

  /**
   * The buffered bytes followed by the rest of the body, at most {@link #MAX_OVERSIZED_FORM} in all. When the
   * form is refused, what was read is put back in front of the rest, so the stream still replays the whole
   * body, and every later parameter call is refused the same way.
   */
  private byte[] readOversizedForm(InputStream unread) {
    if (formRefusal != null) {
      throw formRefusal;
    }
    byte[] more;
    try {
      more = unread.readNBytes(Math.max(0, MAX_OVERSIZED_FORM + 1 - length)); // none when the limit is higher
    } catch (IOException e) {
      formRefusal = new IllegalStateException("The form parameters could not be read: the request body failed", e);
      throw formRefusal;
    }
    if (length + more.length > MAX_OVERSIZED_FORM) {
      rest = new SequenceInputStream(new ByteArrayInputStream(more), unread);
      formRefusal = new IllegalStateException("The form parameters were not parsed: the body is larger than "
          + MAX_OVERSIZED_FORM + " bytes; read such a body through getInputStream()");
      throw formRefusal;
    }
    byte[] whole = Arrays.copyOf(body, length + more.length);
    System.arraycopy(more, 0, whole, length, more.length);
    return whole;
  }

  private static String decode(String encoded, Charset charset) {
    // The raw bytes were read as ISO-8859-1 above; bytes >= 0x80 sent unencoded are restored first.
    String raw = new String(encoded.getBytes(StandardCharsets.ISO_8859_1), charset);
    return URLDecoder.decode(raw, charset);
  }

  @Override
  public String toString() {
    return "BufferedBodyRequest[" + getMethod() + " " + getRequestURI() + ", " + length + " bytes buffered]";
  }

  /** Replays the buffered bytes, then whatever the filter left unread. */
  private final class ReplayInputStream extends ServletInputStream {

    private int position;
    private boolean restFinished = rest == null;

    @Override
    public int read() throws IOException {
      if (position < length) {
        return body[position++] & 0xFF;
      }
      if (restFinished) {
        return -1;
      }
      int b = Objects.requireNonNull(rest).read();
      restFinished = b < 0;
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int count) throws IOException {
      Objects.checkFromIndexSize(offset, count, buffer.length);
      if (count == 0) {
        return 0;
      }
      if (position < length) {
        int n = Math.min(count, length - position);
        System.arraycopy(body, position, buffer, offset, n);
        position += n;
        return n;
      }
      if (restFinished) {
        return -1;
      }
      int n = Objects.requireNonNull(rest).read(buffer, offset, count);
      restFinished = n < 0;
      return n;
    }

    @Override
    public int available() throws IOException {
      return position < length ? length - position : restFinished ? 0 : Objects.requireNonNull(rest).available();
    }

    @Override
    public boolean isFinished() {
      return position >= length && restFinished;
    }

    @Override
    public boolean isReady() {
      return true; // the buffered bytes are in memory; the rest, if any, is read blocking
    }

    @Override
    public void setReadListener(ReadListener listener) {
      Objects.requireNonNull(listener, "listener");
      try {
        if (!isFinished()) {
          listener.onDataAvailable();
        }
        if (isFinished()) {
          listener.onAllDataRead();
        }
      } catch (IOException | RuntimeException e) {
        listener.onError(e);
      }
    }
  }
}
