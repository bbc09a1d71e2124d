package dev.otto.ratelimit.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The per-command timeouts of a client Otto creates: the limiter's command timeout for its script calls,
 * Lettuce's default for everything else (the connection handshake, for example).
 *
 * <p>Lettuce arms a timeout for every command it writes anyway (60 s by default); giving script calls the
 * command timeout lets asynchronous decisions time out at no extra cost per call, instead of each arming a
 * timer of its own.
 */
final class ScriptTimeouts extends TimeoutOptions.TimeoutSource {

  private static final long OTHER_NANOS = RedisURI.DEFAULT_TIMEOUT_DURATION.toNanos();

  private final long scriptNanos;

  ScriptTimeouts(Duration scriptTimeout) {
    this.scriptNanos = scriptTimeout.toNanos();
  }

  /** The timeout options that apply these timeouts. */
  TimeoutOptions options() {
    return TimeoutOptions.builder().timeoutCommands(true).timeoutSource(this).build();
  }

  /**
   * How often the timer that fires these timeouts ticks: a tenth of the script timeout, at least 1 ms and
   * at most 100 ms (Lettuce's default), so a script call times out at most a tenth late.
   */
  static Duration tick(Duration scriptTimeout) {
    Duration tenth = scriptTimeout.dividedBy(10);
    if (tenth.compareTo(Duration.ofMillis(1)) < 0) {
      return Duration.ofMillis(1);
    }
    return tenth.compareTo(Duration.ofMillis(100)) > 0 ? Duration.ofMillis(100) : tenth;
  }

  @Override
  public long getTimeout(RedisCommand<?, ?, ?> command) {
    ProtocolKeyword type = command.getType();
    return type == CommandType.EVALSHA || type == CommandType.EVAL ? scriptNanos : OTHER_NANOS;
  }

  @Override
  public TimeUnit getTimeUnit() {
    return TimeUnit.NANOSECONDS;
  }
}
