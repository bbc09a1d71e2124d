package dev.otto.health;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Makes a check {@code DOWN} with a message that is safe to show to whoever reads {@code /ready}.
 *
 * <p>Any exception thrown by a {@link CheckAction} makes its check {@code DOWN}, but only this one's
 * message reaches the {@link CheckResult#error() error text}: other exceptions may carry host names,
 * credentials or SQL, so they are shown as {@code "check failed"} and logged instead. Write the message
 * for an operator ("cannot get a connection", "no PING answer within 1000 ms"), never include secrets,
 * and keep the technical cause in {@link #getCause()}, which is logged, never shown. Messages longer
 * than {@value #MAX_MESSAGE_LENGTH} characters are shortened when shown.
 *
 * <pre>{@code
 * } catch (SQLException e) {
 *   throw new HealthCheckException("cannot get a connection", e);
 * }
 * }</pre>
 *
 * <p>Immutable once thrown; not meant to be serialized.
 */
public class HealthCheckException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** The longest error text shown for a check; longer messages are cut and end with "…". */
  public static final int MAX_MESSAGE_LENGTH = 200;

  /**
   * Creates an exception whose message is shown as the check's error text.
   *
   * @param message what is wrong, for an operator; must not be blank
   * @throws IllegalArgumentException if {@code message} is blank
   */
  public HealthCheckException(String message) {
    this(message, null);
  }

  /**
   * Creates an exception whose message is shown as the check's error text, with the technical cause,
   * which is only logged.
   *
   * @param message what is wrong, for an operator; must not be blank
   * @param cause the underlying failure, or {@code null}
   * @throws IllegalArgumentException if {@code message} is blank
   */
  public HealthCheckException(String message, @Nullable Throwable cause) {
    super(requireText(message), cause);
  }

  /** Returns the message as given: never {@code null} nor blank. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }

  private static String requireText(String message) {
    Objects.requireNonNull(message, "message must not be null");
    if (message.isBlank()) {
      throw new IllegalArgumentException("message must not be blank: '" + message + "'");
    }
    return message;
  }
}
