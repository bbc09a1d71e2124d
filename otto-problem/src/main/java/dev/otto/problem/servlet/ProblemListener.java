package dev.otto.problem.servlet;

import dev.otto.problem.Problem;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Observes every problem {@link ProblemResponseWriter} writes, for metrics or audit logs.
 *
 * <p>Called on the request thread once status and headers are set, just before the body is written (so
 * also when writing then fails because the client went away); implementations must be fast and
 * thread-safe. An exception
 * thrown by a listener is logged and ignored: it never changes the response.
 */
@FunctionalInterface
public interface ProblemListener {

  /** Called with the problem as written, including the added {@code instance} and {@code traceId}. */
  void onProblem(Problem problem, HttpServletRequest request);
}
