package dev.otto.core;

import java.util.Objects;
import java.util.Optional;

/**
 * Whether an enabled component enforces its decisions or only observes them. Only components that can
 * decide against a request (rate limiting, idempotency) have a shadow behaviour; the others ignore the
 * mode.
 */
public enum Mode {
  /** Decisions take effect: requests are rejected, replayed or blocked as configured. */
  ENFORCE("enforce"),
  /**
   * Observe only: decisions are made, reported to listeners and metrics, and never acted upon, so a team
   * can see what enforcement would do before turning it on.
   */
  SHADOW("shadow");

  private final String id;

  Mode(String id) {
    this.id = id;
  }

  /** The mode's lower-case name, {@code "enforce"} or {@code "shadow"}. */
  public String id() {
    return id;
  }

  /**
   * The mode whose {@linkplain #id() id} is exactly {@code id}, or empty for anything else (including
   * other letter cases).
   *
   * @throws NullPointerException if {@code id} is null
   */
  public static Optional<Mode> byId(String id) {
    Objects.requireNonNull(id, "id must not be null");
    for (Mode mode : values()) {
      if (mode.id.equals(id)) {
        return Optional.of(mode);
      }
    }
    return Optional.empty();
  }
}
