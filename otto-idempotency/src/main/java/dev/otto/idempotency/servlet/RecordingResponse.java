package dev.otto.idempotency.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The response as the handler sees it while the filter holds a claim: everything written through
 * {@link #getOutputStream()} or {@link #getWriter()} goes to the client unchanged and is also copied, up
 * to a limit, so it can be stored. Characters written through the writer are copied as the bytes the
 * container sends: encoded with the response's character encoding as fixed by {@code getWriter()}.
 *
 * <p>The client must not see the whole response before the filter has stored it, or a quick retry would
 * find the key still claimed. A response is complete for the client when it declares a
 * {@code Content-Length} and all those bytes are out, or when the handler closes its stream; otherwise the
 * container ends it only after the filter returns. So the wrapper holds a {@code Content-Length} back
 * until {@link #releaseContentLength()}, which the filter calls once the record is stored or released, and
 * ignores {@code close()} (the container closes the stream after the filter returns).
 *
 * <p>Status and headers are read from the response afterwards. A {@code sendError} is noted: its body is
 * written later by the container's error handling, outside this wrapper, so such a response is never
 * stored. So is a failure to send that the handler was told of (an {@code IOException} from the stream or
 * {@code flushBuffer()}, {@code checkError()} true): the handler may then have stopped writing, so the copy
 * may lack the rest of the body. The container's writer hides its failures, so a handler using it writes
 * everything and its copy is whole.
 *
 * <p>A {@code sendRedirect} is mirrored as the container carries it out: what was buffered is discarded from
 * the copy too (unless the handler asked to keep it with {@code clearBuffer} false), and what is written
 * afterwards, which the container ignores, is not copied. A body the container itself writes into a redirect
 * (Tomcat's optional {@code sendRedirectBody} note) is not seen here, and not replayed. Not thread-safe, like
 * the response it wraps.
 */
final class RecordingResponse extends HttpServletResponseWrapper {

  private final int maxCapture;
  private byte[] captured = new byte[0];
  private int size;
  private boolean overflow;
  private long written;
  private boolean errorSent;
  private @Nullable IOException sendFailure;
  private boolean redirected;
  private boolean localeSet;
  private @Nullable ServletOutputStream stream;
  private @Nullable PrintWriter writer;
  private @Nullable Writer captureWriter;
  private @Nullable Charset writerCharset;
  private long heldContentLength = -1;

  RecordingResponse(HttpServletResponse response, int maxCapture) {
    super(response);
    this.maxCapture = maxCapture;
  }

  @Override
  public void setContentLength(int length) {
    heldContentLength = length;
  }

  @Override
  public void setContentLengthLong(long length) {
    heldContentLength = length;
  }

  @Override
  public void setHeader(String name, String value) {
    if (!holdsContentLength(name, value)) {
      super.setHeader(name, value);
    }
  }

  @Override
  public void addHeader(String name, String value) {
    if (!holdsContentLength(name, value)) {
      super.addHeader(name, value);
    }
  }

  @Override
  public void setIntHeader(String name, int value) {
    if (!holdsContentLength(name, Integer.toString(value))) {
      super.setIntHeader(name, value);
    }
  }

  @Override
  public void addIntHeader(String name, int value) {
    if (!holdsContentLength(name, Integer.toString(value))) {
      super.addIntHeader(name, value);
    }
  }

  private boolean holdsContentLength(String name, @Nullable String value) {
    if (!"Content-Length".equalsIgnoreCase(name)) {
      return false;
    }
    try {
      heldContentLength = value == null ? -1 : Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      heldContentLength = -1; // not a length the container could use either
    }
    return true;
  }

  /**
   * Gives the held {@code Content-Length} to the container, which may then finish the response. Called once
   * the record is stored or released; harmless when the response is already committed (the container then
   * streams it without one).
   */
  void releaseContentLength() {
    if (heldContentLength >= 0 && !isCommitted()) {
      super.setContentLengthLong(heldContentLength);
    }
    heldContentLength = -1;
  }

  @Override
  public ServletOutputStream getOutputStream() throws IOException {
    if (stream == null) {
      stream = new TeeOutputStream(super.getOutputStream());
    }
    return stream;
  }

  @Override
  public PrintWriter getWriter() throws IOException {
    if (writer == null) {
      PrintWriter real = super.getWriter();
      writerCharset = Charset.forName(getCharacterEncoding());
      writer = new TeePrintWriter(real);
    }
    return writer;
  }

  @Override
  public void setLocale(Locale locale) {
    boolean committed = isCommitted();
    super.setLocale(locale);
    if (!committed && locale != null) {
      localeSet = true; // containers send it as Content-Language without listing it among the headers
    }
  }

  /** The {@code Content-Language} set through {@link #setLocale}, if it was. */
  @Nullable String contentLanguageFromLocale() {
    return localeSet ? getLocale().toLanguageTag() : null;
  }

  @Override
  public void sendError(int status, String message) throws IOException {
    super.sendError(status, message);
    errorSent = true;
  }

  @Override
  public void sendError(int status) throws IOException {
    super.sendError(status);
    errorSent = true;
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    super.sendRedirect(location);
    redirected(true);
  }

  @Override
  public void sendRedirect(String location, int status) throws IOException {
    super.sendRedirect(location, status);
    redirected(true);
  }

  @Override
  public void sendRedirect(String location, boolean clearBuffer) throws IOException {
    super.sendRedirect(location, clearBuffer);
    redirected(clearBuffer);
  }

  @Override
  public void sendRedirect(String location, int status, boolean clearBuffer) throws IOException {
    super.sendRedirect(location, status, clearBuffer);
    redirected(clearBuffer);
  }

  /**
   * After a redirect the container sends what it kept of its buffer and ignores later writes (Tomcat suspends
   * the response): the copy keeps what the client gets and stops.
   */
  private void redirected(boolean clearBuffer) {
    if (clearBuffer) {
      clearCapture();
      captureWriter = null; // its pending characters were discarded with the container's buffer
    } else {
      finishCapture(); // characters written before the redirect are sent; later ones must not mix in
    }
    redirected = true;
  }

  @Override
  public void flushBuffer() throws IOException {
    try {
      super.flushBuffer();
    } catch (IOException e) {
      throw sendFailed(e);
    }
  }

  @Override
  public void reset() {
    super.reset(); // throws when committed; then nothing was discarded
    heldContentLength = -1;
    clearCapture();
    stream = null;
    writer = null;
    captureWriter = null;
    writerCharset = null;
    errorSent = false;
    redirected = false;
    localeSet = false;
  }

  @Override
  public void resetBuffer() {
    super.resetBuffer();
    clearCapture();
    captureWriter = null; // its pending characters were discarded with the container's buffer
  }

  private void clearCapture() {
    size = 0;
    written = 0;
    overflow = false;
    captured = new byte[0];
  }

  /** Whether {@code sendError} was called (and not undone by {@code reset()}). */
  boolean errorSent() {
    return errorSent;
  }

  /**
   * The first failure to send that the handler was told of, if any: the copy may then lack the rest of the
   * body. Call {@link #finishCapture()} first.
   */
  @Nullable IOException sendFailure() {
    return sendFailure;
  }

  /** Notes {@code failure} and returns it, to be rethrown to the handler. */
  private IOException sendFailed(IOException failure) {
    if (sendFailure == null) {
      sendFailure = failure;
    }
    captured = new byte[0]; // free the copy at once; it will never be stored
    size = 0;
    return failure;
  }

  /** Whether the body grew past the limit, so the copy is incomplete. Call {@link #finishCapture()} first. */
  boolean overflowed() {
    return overflow;
  }

  /** Bytes the handler wrote, counted also past the limit. Call {@link #finishCapture()} first. */
  long bytesWritten() {
    return written;
  }

  /** Moves characters still buffered in the copying writer into the copy. */
  void finishCapture() {
    if (captureWriter != null) {
      try {
        captureWriter.flush();
      } catch (IOException e) {
        throw new IllegalStateException("cannot happen: the copy is in memory", e);
      }
    }
  }

  /** The copied body; only complete when not {@link #overflowed()}. */
  byte[] capturedBody() {
    return Arrays.copyOf(captured, size);
  }

  private void capture(int b) {
    written++;
    if (overflow || sendFailure != null || redirected) {
      return;
    }
    if (size + 1 > maxCapture) {
      markOverflow();
      return;
    }
    ensureCapacity(size + 1);
    captured[size++] = (byte) b;
  }

  private void capture(byte[] bytes, int offset, int count) {
    written += count;
    if (overflow || sendFailure != null || redirected || count == 0) {
      return;
    }
    if ((long) size + count > maxCapture) {
      markOverflow();
      return;
    }
    ensureCapacity(size + count);
    System.arraycopy(bytes, offset, captured, size, count);
    size += count;
  }

  private void markOverflow() {
    overflow = true;
    captured = new byte[0]; // free the partial copy at once; it will never be stored
    size = 0;
  }

  private void ensureCapacity(int needed) {
    if (needed > captured.length) {
      int grown = (int) Math.min(maxCapture, Math.max(needed, Math.max(256L, 2L * captured.length)));
      captured = Arrays.copyOf(captured, grown);
    }
  }

  private Writer captureWriter() {
    Writer current = captureWriter;
    if (current == null) {
      current = new OutputStreamWriter(new OutputStream() {
        @Override
        public void write(int b) {
          capture(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int count) {
          capture(bytes, offset, count);
        }
      }, Objects.requireNonNull(writerCharset));
      captureWriter = current;
    }
    return current;
  }

  /**
   * Writes to the container's stream and to the copy. A failed write (typically the client went away) is
   * noted: the handler gets the exception and may stop, so the copy can no longer be trusted to be whole.
   */
  private final class TeeOutputStream extends ServletOutputStream {

    private final ServletOutputStream target;

    TeeOutputStream(ServletOutputStream target) {
      this.target = target;
    }

    @Override
    public void write(int b) throws IOException {
      try {
        target.write(b);
      } catch (IOException e) {
        throw sendFailed(e);
      }
      capture(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int count) throws IOException {
      Objects.checkFromIndexSize(offset, count, bytes.length);
      try {
        target.write(bytes, offset, count);
      } catch (IOException e) {
        throw sendFailed(e);
      }
      capture(bytes, offset, count);
    }

    @Override
    public void flush() throws IOException {
      try {
        target.flush();
      } catch (IOException e) {
        throw sendFailed(e);
      }
    }

    /**
     * Does nothing: closing would let the container finish the response before it is stored, and the
     * container closes the stream itself once the filter returns.
     */
    @Override
    public void close() {}

    @Override
    public boolean isReady() {
      return target.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      target.setWriteListener(listener);
    }
  }

  /** A writer over the container's writer and the copy; errors are the container writer's. */
  private final class TeePrintWriter extends PrintWriter {

    private final PrintWriter target;

    TeePrintWriter(PrintWriter target) {
      super(new Writer() {
        @Override
        public void write(char[] chars, int offset, int count) throws IOException {
          target.write(chars, offset, count);
          captureWriter().write(chars, offset, count);
        }

        @Override
        public void write(String text, int offset, int count) throws IOException {
          target.write(text, offset, count);
          captureWriter().write(text, offset, count);
        }

        @Override
        public void write(int c) throws IOException {
          target.write(c);
          captureWriter().write(c);
        }

        @Override
        public void flush() throws IOException {
          target.flush();
          captureWriter().flush();
        }

        /** Copies pending characters only: see {@link TeeOutputStream#close()}. */
        @Override
        public void close() throws IOException {
          captureWriter().flush();
        }
      });
      this.target = target;
    }

    /** Told of a failure, the handler may stop writing: noted like a failed stream write. */
    @Override
    public boolean checkError() {
      boolean error = super.checkError() || target.checkError();
      if (error) {
        sendFailed(new IOException("the container's writer reported an error to the handler"));
      }
      return error;
    }
  }
}
