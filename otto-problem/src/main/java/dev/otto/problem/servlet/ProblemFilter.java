package dev.otto.problem.servlet;

import dev.otto.problem.Problem;
import dev.otto.problem.trace.TraceContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The error filter: every failure of the request becomes an {@code application/problem+json} response.
 *
 * <pre>{@code
 * ProblemFilter filter = ProblemFilter.builder()
 *     .exceptionMappings(ExceptionMappings.builder()
 *         .map(OrderNotFoundException.class, (e, request) -> Problem.builder(404)
 *             .detail("No order " + e.orderId())
 *             .build())
 *         .build())
 *     .build();
 * EnumSet<DispatcherType> dispatches = EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC,
 *     DispatcherType.ERROR, DispatcherType.INCLUDE);
 * servletContext.addFilter("otto-trace", TraceIdFilter.create())
 *     .addMappingForUrlPatterns(dispatches, false, "/*");
 * servletContext.addFilter("otto-problem", filter)
 *     .addMappingForUrlPatterns(dispatches, false, "/*");
 * }</pre>
 *
 * <p>Register it for {@code REQUEST}, {@code ASYNC} and {@code ERROR} dispatches, right after
 * {@code TraceIdFilter} (which supplies the trace id and the logging MDC) and before everything else.
 * Registering it for {@code INCLUDE} as well is recommended: when a request fails after its response was
 * committed, Tomcat includes the error page into the truncated body before aborting the connection, and
 * the filter suppresses that include. Other includes pass through untouched.
 *
 * <ul>
 *   <li><b>{@code sendError}</b> — the response given to the chain records {@code sendError(status)}
 *       instead of triggering the container's HTML error page; afterwards it reports itself committed and
 *       discards body writes, as the servlet specification requires. When the chain returns, the filter
 *       writes {@code Problem.of(status)}, keeping headers already set (such as {@code Allow}). The
 *       {@code sendError} message is never shown, because it may contain anything.</li>
 *   <li><b>Exceptions</b> escaping the chain are turned into problems by {@link ExceptionMappings}
 *       (logged at DEBUG). An unmapped exception becomes a generic 500 that reveals nothing, neither
 *       class name nor message nor stack frame, and is logged once at ERROR with its stack trace, the
 *       method, path and trace id.</li>
 *   <li><b>Committed responses</b> are never written into: once bytes reached the client a problem
 *       appended to them would corrupt the body, and a truncated body must not look complete. The
 *       filter logs the exception once and rethrows it, so the container aborts the connection and the
 *       client sees a broken response. The container may log the rethrown exception again; its attempt
 *       to include an error page is suppressed when the filter is registered for {@code INCLUDE}.</li>
 *   <li><b>{@code ERROR} dispatches</b> (the container's error page mechanism, used for instance for
 *       async timeouts when an error page is registered) are answered by the filter itself with a problem
 *       for {@code jakarta.servlet.error.status_code}, or for the mapped
 *       {@code jakarta.servlet.error.exception}; the chain is not continued, so framework error
 *       controllers never run.</li>
 *   <li><b>Client disconnects</b> (the container failing to send the problem, or a container
 *       client-abort exception from the chain) are logged at DEBUG only.</li>
 * </ul>
 * {@code VirtualMachineError}s other than {@code StackOverflowError} are rethrown untouched, as Tomcat
 * does.
 *
 * <p>A run-time {@link Builder#enabled(BooleanSupplier) switch} may turn the filter off: it is read once
 * at the start of each dispatch, and while it returns {@code false} every dispatch passes through
 * untouched, so failures reach the container (or the framework) as if the filter were not there. A
 * request already inside the filter when the switch flips is answered as it started.
 *
 * <p>The filter is immutable and thread-safe.
 */
public final class ProblemFilter implements Filter {

  private static final Logger log = LoggerFactory.getLogger(ProblemFilter.class);
  private static final Problem INTERNAL_ERROR = Problem.of(500);

  private final ExceptionMappings mappings;
  private final ProblemResponseWriter responseWriter;
  private final @Nullable BooleanSupplier enabled;

  private ProblemFilter(Builder builder) {
    this.mappings = builder.exceptionMappings;
    this.responseWriter = builder.responseWriter;
    this.enabled = builder.enabled;
  }

  /** Starts a filter configuration with {@link ExceptionMappings#defaults()} and a plain writer. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a filter with the default configuration. */
  public static ProblemFilter create() {
    return builder().build();
  }

  /**
   * Runs the chain and answers its failures with problems, as described on the class. Non-HTTP requests,
   * and every dispatch while the {@linkplain Builder#enabled(BooleanSupplier) switch} is off, pass through
   * untouched.
   *
   * @throws IOException      only when rethrowing the chain's exception for a committed response or a
   *                          client disconnect
   * @throws ServletException likewise
   */
  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if ((enabled != null && !enabled.getAsBoolean())
        || !(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)) {
      chain.doFilter(req, res);
      return;
    }
    if (request.getDispatcherType() == DispatcherType.ERROR) {
      answerErrorDispatch(request, response);
      return;
    }
    if (request.getDispatcherType() == DispatcherType.INCLUDE) {
      // An include cannot set status or headers; only the container's error page include is stopped.
      if (!isErrorPageIncludedIntoCommittedResponse(request, response)) {
        chain.doFilter(request, response);
      }
      return;
    }
    ErrorCapturingResponse capturing = new ErrorCapturingResponse(response);
    try {
      chain.doFilter(request, capturing);
    } catch (Throwable failure) {
      if (isFatal(failure)) {
        throw failure;
      }
      if (ClientDisconnect.isCause(failure)) {
        log.debug("Client disconnected during {} {}", request.getMethod(), request.getRequestURI(),
            failure);
        throw failure;
      }
      Problem problem = mapped(failure, request);
      if (response.isCommitted()) {
        logCommitted(request, failure, problem != null);
        throw failure;
      }
      if (problem == null) {
        logUnmapped(request, failure);
        problem = INTERNAL_ERROR;
      } else {
        log.debug("{} {} answered with status {} for {}", request.getMethod(), request.getRequestURI(),
            problem.status(), failure.getClass().getName(), failure);
      }
      send(request, response, problem);
      completeAsync(request);
      return;
    }
    int status = capturing.errorStatus();
    if (status != 0 && !request.isAsyncStarted()) {
      send(request, response, Problem.of(validStatus(status)));
    }
  }

  // Tomcat includes the error page into a response that failed after committing, then aborts it;
  // the error page output would otherwise be appended to the truncated body.
  private static boolean isErrorPageIncludedIntoCommittedResponse(
      HttpServletRequest request, HttpServletResponse response) {
    return request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) != null && response.isCommitted();
  }

  private void answerErrorDispatch(HttpServletRequest request, HttpServletResponse response) {
    Problem problem = null;
    if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable failure) {
      problem = mapped(failure, request);
      if (problem == null && !ClientDisconnect.isCause(failure)) {
        logUnmapped(request, failure);
      }
    }
    if (problem == null) {
      int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code
          ? code : 500;
      problem = Problem.of(status >= 400 && status <= 599 ? status : 500);
    }
    send(request, response, problem);
  }

  private @Nullable Problem mapped(Throwable failure, HttpServletRequest request) {
    try {
      return mappings.toProblem(failure, request);
    } catch (RuntimeException mappingFailure) {
      log.error("The exception mapping for {} failed on {} {} (traceId={}); answering with 500",
          failure.getClass().getName(), request.getMethod(), path(request), traceId(request),
          mappingFailure);
      return null;
    }
  }

  private void send(HttpServletRequest request, HttpServletResponse response, Problem problem) {
    try {
      responseWriter.write(request, response, problem);
    } catch (IOException e) {
      log.debug("Could not send the {} problem for {} {}; the client has probably gone away",
          problem.status(), request.getMethod(), path(request), e);
    }
  }

  private static void logUnmapped(HttpServletRequest request, Throwable failure) {
    log.error("Unhandled exception on {} {} (traceId={}); answered with 500", request.getMethod(),
        path(request), traceId(request), failure);
  }

  private static void logCommitted(HttpServletRequest request, Throwable failure, boolean mapped) {
    String message = "Exception on {} {} (traceId={}) after the response was committed; "
        + "aborting the response";
    if (mapped) {
      log.warn(message, request.getMethod(), path(request), traceId(request), failure);
    } else {
      log.error(message, request.getMethod(), path(request), traceId(request), failure);
    }
  }

  private static void completeAsync(HttpServletRequest request) {
    // The exception ended the handling; without this the client would wait for the async timeout.
    if (request.isAsyncStarted()) {
      try {
        request.getAsyncContext().complete();
      } catch (IllegalStateException alreadyCompleted) {
        log.debug("Async request was completed concurrently", alreadyCompleted);
      }
    }
  }

  private static boolean isFatal(Throwable failure) {
    return failure instanceof VirtualMachineError && !(failure instanceof StackOverflowError);
  }

  private static int validStatus(int status) {
    return status >= 100 && status <= 599 ? status : 500;
  }

  private static String path(HttpServletRequest request) {
    if (request.getDispatcherType() == DispatcherType.ERROR
        && request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String original) {
      return original;
    }
    return request.getRequestURI();
  }

  private static String traceId(HttpServletRequest request) {
    return TraceContext.from(request).map(TraceContext::traceId).orElse("-");
  }

  /** Configures a {@link ProblemFilter}. Not thread-safe; the filter it builds is. */
  public static final class Builder {

    private ExceptionMappings exceptionMappings = ExceptionMappings.defaults();
    private ProblemResponseWriter responseWriter = ProblemResponseWriter.create();
    private @Nullable BooleanSupplier enabled;

    private Builder() {}

    /** Sets how exceptions become problems. Defaults to {@link ExceptionMappings#defaults()}. */
    public Builder exceptionMappings(ExceptionMappings exceptionMappings) {
      this.exceptionMappings =
          Objects.requireNonNull(exceptionMappings, "exceptionMappings must not be null");
      return this;
    }

    /** Sets the writer, to share its listeners with other components. */
    public Builder responseWriter(ProblemResponseWriter responseWriter) {
      this.responseWriter = Objects.requireNonNull(responseWriter, "responseWriter must not be null");
      return this;
    }

    /**
     * Sets the run-time switch: read once at the start of every dispatch, and while it returns
     * {@code false} the filter calls the chain with the request and response untouched: exceptions,
     * {@code sendError} and error dispatches are left to the container. By default the filter is always
     * on.
     *
     * <p>The supplier is called on request threads, concurrently, so it must be thread-safe and cheap (a
     * volatile read, such as {@code ComponentSwitch} from {@code otto-core}); an exception it throws
     * propagates to the container.
     */
    public Builder enabled(BooleanSupplier enabled) {
      this.enabled = Objects.requireNonNull(enabled, "enabled must not be null");
      return this;
    }

    /** Returns the filter. The builder may be reused afterwards. */
    public ProblemFilter build() {
      return new ProblemFilter(this);
    }
  }
}
