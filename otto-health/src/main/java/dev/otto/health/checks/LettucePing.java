package dev.otto.health.checks;

import io.lettuce.core.api.StatefulRedisConnection;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Sends {@code PING} with Lettuce. The only class that calls Lettuce, so that the other checks work
 * without it on the class path.
 */
final class LettucePing {

  private LettucePing() {
  }

  static Supplier<CompletionStage<?>> of(StatefulRedisConnection<?, ?> connection) {
    return () -> connection.async().ping();
  }
}
