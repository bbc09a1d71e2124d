package dev.otto.problem.servlet;

import dev.otto.problem.Problem;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Turns one kind of exception into the problem the client receives. Registered with
 * {@link ExceptionMappings.Builder#map(Class, ExceptionMapping)}.
 *
 * <p>Implementations are called concurrently and must be thread-safe. They should not throw; if one does,
 * the exception is treated as unmapped (a generic 500) and the mapping failure is logged. Put only what
 * the client may see into the problem: never a stack trace or an internal message.
 *
 * @param <T> the exception type handled
 */
@FunctionalInterface
public interface ExceptionMapping<T extends Throwable> {

  /** Returns the problem for {@code exception}, raised while serving {@code request}. */
  Problem toProblem(T exception, HttpServletRequest request);
}
