package dev.otto.problem.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import org.jspecify.annotations.Nullable;

/**
 * Records {@code sendError} instead of letting the container render its HTML error page. After
 * {@code sendError} the response behaves as the servlet specification says: it reports itself committed
 * with the error status, ignores status changes and flushes, and discards body writes, including writes through a stream or
 * writer obtained earlier. Used by one request thread at a time, like any response.
 */
final class ErrorCapturingResponse extends HttpServletResponseWrapper {

  private int errorStatus;
  private @Nullable ServletOutputStream outputStream;
  private @Nullable PrintWriter writer;

  ErrorCapturingResponse(HttpServletResponse response) {
    super(response);
  }

  /** Returns the status passed to {@code sendError}, or 0 if it was not called. */
  int errorStatus() {
    return errorStatus;
  }

  private boolean errorSent() {
    return errorStatus != 0;
  }

  @Override
  public void sendError(int sc, @Nullable String msg) throws IOException {
    sendError(sc); // the message is never shown: it may contain anything
  }

  @Override
  public void sendError(int sc) throws IOException {
    if (isCommitted()) {
      throw new IllegalStateException("Cannot call sendError() after the response has been committed");
    }
    getResponse().resetBuffer();
    errorStatus = sc;
  }

  @Override
  public boolean isCommitted() {
    return errorSent() || super.isCommitted();
  }

  @Override
  public int getStatus() {
    return errorSent() ? errorStatus : super.getStatus();
  }

  @Override
  public void setStatus(int sc) {
    if (!errorSent()) {
      super.setStatus(sc);
    }
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    if (errorSent()) {
      throw new IllegalStateException("Cannot call sendRedirect() after sendError()");
    }
    super.sendRedirect(location);
  }

  @Override
  public void reset() {
    if (errorSent()) {
      throw new IllegalStateException("Cannot call reset() after sendError()");
    }
    super.reset();
  }

  @Override
  public void resetBuffer() {
    if (errorSent()) {
      throw new IllegalStateException("Cannot call resetBuffer() after sendError()");
    }
    super.resetBuffer();
  }

  @Override
  public void flushBuffer() throws IOException {
    if (!errorSent()) {
      super.flushBuffer();
    }
  }

  @Override
  public ServletOutputStream getOutputStream() throws IOException {
    if (outputStream == null) {
      outputStream = new GuardedOutputStream(super.getOutputStream());
    }
    return outputStream;
  }

  @Override
  public PrintWriter getWriter() throws IOException {
    if (writer == null) {
      writer = new PrintWriter(new GuardedWriter(super.getWriter()), false);
    }
    return writer;
  }

  private final class GuardedOutputStream extends ServletOutputStream {

    private final ServletOutputStream delegate;

    GuardedOutputStream(ServletOutputStream delegate) {
      this.delegate = delegate;
    }

    @Override
    public void write(int b) throws IOException {
      if (!errorSent()) {
        delegate.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (!errorSent()) {
        delegate.write(b, off, len);
      }
    }

    @Override
    public void flush() throws IOException {
      if (!errorSent()) {
        delegate.flush();
      }
    }

    @Override
    public void close() throws IOException {
      // Closing the real stream would complete the response before the problem is written.
      if (!errorSent()) {
        delegate.close();
      }
    }

    @Override
    public boolean isReady() {
      return errorSent() || delegate.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      delegate.setWriteListener(listener);
    }
  }

  private final class GuardedWriter extends Writer {

    private final PrintWriter delegate;

    GuardedWriter(PrintWriter delegate) {
      this.delegate = delegate;
    }

    @Override
    public void write(char[] chars, int off, int len) {
      if (!errorSent()) {
        delegate.write(chars, off, len);
      }
    }

    @Override
    public void write(String s, int off, int len) {
      if (!errorSent()) {
        delegate.write(s, off, len);
      }
    }

    @Override
    public void flush() {
      if (!errorSent()) {
        delegate.flush();
      }
    }

    @Override
    public void close() {
      if (!errorSent()) {
        delegate.close();
      }
    }
  }
}
