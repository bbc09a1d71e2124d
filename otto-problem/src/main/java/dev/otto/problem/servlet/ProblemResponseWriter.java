package dev.otto.problem.servlet;

import dev.otto.problem.Problem;
import dev.otto.problem.ProblemJsonWriter;
import dev.otto.problem.trace.TraceContext;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that writes a {@link Problem} into a servlet response; used by {@link ProblemFilter} and
 * by every other Otto component that answers with a problem.
 *
 * <pre>{@code
 * ProblemResponseWriter writer = ProblemResponseWriter.builder()
 *     .listener((problem, request) -> audit.record(problem.status()))
 *     .build();
 * response.setHeader("Retry-After", "30");
 * writer.write(request, response, Problem.of(503));
 * }</pre>
 *
 * <p>{@link #write} first completes the problem: {@code instance} becomes the request path (the original
 * path on error, async and forward dispatches; {@code /} when there is none, or none safe to repeat: see
 * {@link ProblemInstance}) and a {@code traceId} extension is added from
 * {@link TraceContext}, each only when the problem has none. It then clears the response buffer with
 * {@code resetBuffer()} (never {@code reset()}, so headers already set, such as {@code Allow},
 * {@code Retry-After} or {@code RateLimit}, are kept), sets status, {@code Content-Type:
 * application/problem+json}, {@code Content-Length} and the body (no body for {@code HEAD}). It sets
 * {@code Cache-Control: no-store} only when no {@code Cache-Control} header is present, so a caller that
 * chose its own caching policy for the problem keeps it. The listeners are notified just before the body
 * is written: the container may complete the response as soon as {@code Content-Length} bytes are
 * written, and by the time a client sees the response, listeners such as metrics must have run.
 *
 * <p>Once the body is written the response must be considered committed. If the application already
 * obtained the response's {@code Writer}, the body is written through it as pure ASCII JSON (non-ASCII
 * characters escaped), since its charset can no longer change.
 *
 * <p>Immutable and thread-safe. Listener failures are logged and ignored.
 */
public final class ProblemResponseWriter {

  private static final Logger log = LoggerFactory.getLogger(ProblemResponseWriter.class);

  private final ProblemJsonWriter jsonWriter;
  private final List<ProblemListener> listeners;

  private ProblemResponseWriter(Builder builder) {
    this.jsonWriter = builder.jsonWriter != null ? builder.jsonWriter : new ProblemJsonWriter();
    this.listeners = List.copyOf(builder.listeners);
  }

  /** Starts a writer configuration: no listeners and a new {@link ProblemJsonWriter} by default. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a writer without listeners. */
  public static ProblemResponseWriter create() {
    return builder().build();
  }

  /**
   * Writes {@code problem} into {@code response}, as described on the class.
   *
   * @return {@code false}, having written nothing, if the response is already committed; {@code true}
   *     otherwise
   * @throws IOException if the container fails to take the body, typically because the client went away;
   *     the listeners have been notified already
   */
  public boolean write(HttpServletRequest request, HttpServletResponse response, Problem problem)
      throws IOException {
    Objects.requireNonNull(problem, "problem must not be null");
    if (response.isCommitted()) {
      return false;
    }
    Problem completed = complete(problem, request);
    byte[] body = jsonWriter.toBytes(completed);
    response.resetBuffer();
    response.setStatus(completed.status());
    response.setContentType(ProblemJsonWriter.MEDIA_TYPE);
    if (response.getHeader("Cache-Control") == null) {
      response.setHeader("Cache-Control", "no-store");
    }
    // Before the body: once Content-Length bytes are written the container may complete the response,
    // and listeners (metrics) must have run by the time a client sees it.
    notifyListeners(completed, request);
    writeBody(request, response, body);
    return true;
  }

  private static Problem complete(Problem problem, HttpServletRequest request) {
    Problem.Builder builder = null;
    if (problem.instance() == null) {
      builder = problem.toBuilder().instance(ProblemInstance.of(originalPath(request)));
    }
    if (!problem.extensions().containsKey("traceId")) {
      TraceContext context = TraceContext.from(request).orElse(null);
      if (context != null) {
        builder = (builder != null ? builder : problem.toBuilder())
            .extension("traceId", context.traceId());
      }
    }
    return builder == null ? problem : builder.build();
  }

  private static @Nullable String originalPath(HttpServletRequest request) {
    DispatcherType type = request.getDispatcherType();
    String attribute = null;
    if (type == DispatcherType.ERROR) {
      attribute = RequestDispatcher.ERROR_REQUEST_URI;
    } else if (type == DispatcherType.ASYNC) {
      attribute = AsyncContext.ASYNC_REQUEST_URI;
    } else if (type == DispatcherType.FORWARD) {
      attribute = RequestDispatcher.FORWARD_REQUEST_URI;
    }
    if (attribute != null && request.getAttribute(attribute) instanceof String original) {
      return original;
    }
    return request.getRequestURI();
  }

  private static void writeBody(HttpServletRequest request, HttpServletResponse response, byte[] body)
      throws IOException {
    boolean head = "HEAD".equals(request.getMethod());
    ServletOutputStream out;
    try {
      out = response.getOutputStream();
    } catch (IllegalStateException writerAlreadyUsed) {
      String ascii = escapeNonAscii(new String(body, StandardCharsets.UTF_8));
      if (!head) {
        response.getWriter().write(ascii);
      }
      return;
    }
    response.setContentLength(body.length);
    if (!head) {
      out.write(body);
    }
  }

  // Non-ASCII characters only occur inside JSON strings, where \\uXXXX is an equivalent spelling.
  private static String escapeNonAscii(String json) {
    StringBuilder escaped = null;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c < 0x80) {
        if (escaped != null) {
          escaped.append(c);
        }
        continue;
      }
      if (escaped == null) {
        escaped = new StringBuilder(json.length() + 16).append(json, 0, i);
      }
      escaped.append(String.format("\\u%04x", (int) c));
    }
    return escaped == null ? json : escaped.toString();
  }

  private void notifyListeners(Problem problem, HttpServletRequest request) {
    for (ProblemListener listener : listeners) {
      try {
        listener.onProblem(problem, request);
      } catch (RuntimeException e) {
        log.warn("Problem listener {} failed; the response is unaffected", listener, e);
      }
    }
  }

  /** Configures a {@link ProblemResponseWriter}. Not thread-safe; the writer it builds is. */
  public static final class Builder {

    private final List<ProblemListener> listeners = new ArrayList<>();
    private @Nullable ProblemJsonWriter jsonWriter;

    private Builder() {}

    /** Adds a listener notified of every problem written; listeners run in the order added. */
    public Builder listener(ProblemListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
      return this;
    }

    /** Sets the JSON writer, to share one instance with other components. */
    public Builder jsonWriter(ProblemJsonWriter jsonWriter) {
      this.jsonWriter = Objects.requireNonNull(jsonWriter, "jsonWriter must not be null");
      return this;
    }

    /** Returns the writer. The builder may be reused afterwards. */
    public ProblemResponseWriter build() {
      return new ProblemResponseWriter(this);
    }
  }
}
