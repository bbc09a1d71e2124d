package dev.otto.ratelimit.redis;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;

/**
 * One call of the GCRA script ({@code EVALSHA}, or {@code EVAL} to reload it), dispatched on the connection
 * as Lettuce's own commands are, with a {@link ScriptReply} as its output.
 *
 * <p>{@link #timedByCaller} tells a client Otto created ({@link ScriptTimeouts}) not to arm a timeout of its
 * own for the call: a caller that waits with a deadline cancels the call itself, and a timer armed and
 * cancelled per decision would only cost the waiting thread time.
 */
final class ScriptCall extends AsyncCommand<String, String, long[]> {

  /** Whether whoever waits for this call bounds the wait and cancels the call itself. */
  final boolean timedByCaller;

  private ScriptCall(Command<String, String, long[]> command, boolean timedByCaller) {
    super(command);
    this.timedByCaller = timedByCaller;
  }

  /**
   * A call of the script with these keys and arguments.
   *
   * @param reload {@code EVAL} with the source (after {@code NOSCRIPT}) instead of {@code EVALSHA}
   */
  static ScriptCall of(GcraScript script, String[] keys, String[] args, boolean reload, boolean timedByCaller) {
    CommandArgs<String, String> commandArgs = new CommandArgs<>(StringCodec.UTF8)
        .add(reload ? script.source : script.sha)
        .add(keys.length)
        .addKeys(keys)
        .addValues(args);
    // The reply completes the call with null when malformed, which decoding reports.
    Command<String, String, long[]> command =
        new Command<>(reload ? CommandType.EVAL : CommandType.EVALSHA, new ScriptReply(), commandArgs);
    return new ScriptCall(command, timedByCaller);
  }
}
