package dev.otto.problem;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One validation failure inside a {@link Problem}, written as {@code {"detail":…,"pointer":…}} in the
 * problem's {@code errors} array (the pointer is omitted when {@code null}).
 *
 * <p>The pointer is meant to be an RFC 6901 JSON Pointer to the offending member of the request, such as
 * {@code #/amount} or {@code /items/0/sku}. It is not validated: a violation is usually built while an
 * error is already being answered, and rejecting an unusual pointer there would turn a 400 into a 500.
 *
 * @param detail  a human-readable explanation of this failure, safe to show to the client
 * @param pointer where in the request the failure is, or {@code null} when it concerns the whole request
 */
public record Violation(String detail, @Nullable String pointer) {

  /**
   * Creates a violation.
   *
   * @throws NullPointerException if {@code detail} is {@code null}
   */
  public Violation {
    Objects.requireNonNull(detail, "detail must not be null");
  }
}
