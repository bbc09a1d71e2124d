package dev.otto.problem;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An exception that carries the exact {@link Problem} the client should receive. Throw it from a handler;
 * the error filter ({@code dev.otto.problem.servlet.ProblemFilter}) answers with its problem unchanged,
 * apart from filling in {@code instance} and {@code traceId} when they are missing.
 *
 * <pre>{@code
 * throw new ProblemException(Problem.builder(409)
 *     .detail("Order 42 is already shipped")
 *     .build());
 * }</pre>
 *
 * <p>The exception message is the problem's title followed by its detail, for logs. Instances are
 * immutable and safe to share, although the usual use is to throw a fresh one. They are not meant to be
 * serialized.
 */
public class ProblemException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The problem to answer with. {@link Problem} is not serializable, so neither is this exception. */
  @SuppressWarnings("serial")
  private final Problem problem;

  /**
   * Creates an exception that answers with {@code problem}.
   *
   * @throws NullPointerException if {@code problem} is {@code null}
   */
  public ProblemException(Problem problem) {
    this(problem, null);
  }

  /**
   * Creates an exception that answers with {@code problem} and records the failure that led to it.
   * The cause is only for logs: it never reaches the client.
   *
   * @throws NullPointerException if {@code problem} is {@code null}
   */
  public ProblemException(Problem problem, @Nullable Throwable cause) {
    super(messageOf(problem), cause);
    this.problem = problem;
  }

  /** Returns the problem the client receives. */
  public Problem problem() {
    return problem;
  }

  private static String messageOf(Problem problem) {
    Objects.requireNonNull(problem, "problem must not be null");
    String detail = problem.detail();
    return detail == null ? problem.title() : problem.title() + ": " + detail;
  }
}
