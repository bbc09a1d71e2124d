package dev.otto.ratelimit.redis;

import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * One call of the GCRA script ({@code EVALSHA}, or {@code EVAL} to reload it), dispatched on the connection
 * as Lettuce's own commands are, with a {@link ScriptReply} as its output.
 *
 * <p>{@link #timedByCaller} tells a client Otto created ({@link ScriptTimeouts}) not to arm a timeout of its
 * own for the call: a caller that waits with a deadline cancels the call itself, and a timer armed and
 * cancelled per decision would only cost the waiting thread time.
 *
 * <p>A call failed with an I/O error (its connection broke) counts a {@linkplain ConnectionLosses connection
 * loss} on its limiter, which lets the limiter's other waiting calls give up at once instead of when Lettuce
 * gets round to failing them.
 */
final class ScriptCall extends AsyncCommand<String, String, long[]> {

  /** Stateless: encodes the keys and arguments of every call. */
  private static final ExactUtf8Codec ARGUMENTS = new ExactUtf8Codec();

  /** Whether whoever waits for this call bounds the wait and cancels the call itself. */
  final boolean timedByCaller;

  private final @Nullable ConnectionLosses connectionLosses;

  private ScriptCall(Command<String, String, long[]> command, boolean timedByCaller,
      @Nullable ConnectionLosses connectionLosses) {
    super(command);
    this.timedByCaller = timedByCaller;
    this.connectionLosses = connectionLosses;
  }

  /**
   * A call of the script with these keys and arguments.
   *
   * @param reload {@code EVAL} with the source (after {@code NOSCRIPT}) instead of {@code EVALSHA}
   * @param connectionLosses the limiter's count of connection losses, counted up when this call fails
   *     with an I/O error; null when the call's failure says nothing about the limiter's other calls
   */
  static ScriptCall of(GcraScript script, String[] keys, String[] args, boolean reload, boolean timedByCaller,
      @Nullable ConnectionLosses connectionLosses) {
    CommandArgs<String, String> commandArgs = new CommandArgs<>(ARGUMENTS)
        .add(reload ? script.source : script.sha)
        .add(keys.length)
        .addKeys(keys)
        .addValues(args);
    // The reply completes the call with null when malformed, which decoding reports.
    Command<String, String, long[]> command =
        new Command<>(reload ? CommandType.EVAL : CommandType.EVALSHA, new ScriptReply(), commandArgs);
    return new ScriptCall(command, timedByCaller, connectionLosses);
  }

  /** Lettuce fails the call in progress with the I/O error at once, the others only after the disconnect. */
  @Override
  public boolean completeExceptionally(Throwable failure) {
    // This call first, with its own error; then the others, which cannot be answered either.
    boolean completed = super.completeExceptionally(failure);
    if (connectionLosses != null && failure instanceof IOException) {
      connectionLosses.lost();
    }
    return completed;
  }
}
