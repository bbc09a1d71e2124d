package dev.otto.ratelimit.redis;

import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.CommandWrapper;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The per-command timeouts of a client Otto creates: the limiter's command timeout for script calls,
 * none for a call whose caller waits with a deadline of its own ({@link ScriptCall#timedByCaller}),
 * Lettuce's default for everything else (the connection handshake, for example).
 *
 * <p>Lettuce would arm a timeout for every command it writes (60 s by default). Giving asynchronous script
 * calls the command timeout lets them time out at no extra cost per call, instead of each arming a timer of
 * its own; a synchronous decision already waits with a deadline and cancels its call itself, and a timer
 * armed and cancelled for it as well would only cost the client time.
 */
final class ScriptTimeouts extends TimeoutOptions.TimeoutSource {

  private static final long OTHER_NANOS = RedisURI.DEFAULT_TIMEOUT_DURATION.toNanos();

  private final long scriptNanos;

  /**
   * @param scriptTimeout the limiter's command timeout. The timer fires a timeout up to one
   *     {@linkplain #tick tick} after it is due, so script calls are given one tick less (but at least one
   *     tick): from 2 ms on, they time out at most the command timeout after they were sent, and at most
   *     one tick earlier.
   */
  ScriptTimeouts(Duration scriptTimeout) {
    long tickNanos = tick(scriptTimeout).toNanos();
    this.scriptNanos = Math.max(tickNanos, scriptTimeout.toNanos() - tickNanos);
  }

  /** The timeout options that apply these timeouts. */
  TimeoutOptions options() {
    return TimeoutOptions.builder().timeoutCommands(true).timeoutSource(this).build();
  }

  /**
   * How often the timer that fires these timeouts ticks: a tenth of the script timeout, at least 1 ms and
   * at most 100 ms (Lettuce's default).
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
    ScriptCall script = CommandWrapper.unwrap(command, ScriptCall.class);
    if (script == null) {
      return OTHER_NANOS;
    }
    // Lettuce arms no timeout for a command whose timeout is 0.
    return script.timedByCaller ? 0 : scriptNanos;
  }

  @Override
  public TimeUnit getTimeUnit() {
    return TimeUnit.NANOSECONDS;
  }
}
