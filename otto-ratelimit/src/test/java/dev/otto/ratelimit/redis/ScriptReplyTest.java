package dev.otto.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisException;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandType;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How a script call reads its reply and which calls a client Otto created times out itself. */
class ScriptReplyTest {

  private static final String[] KEYS = {"otto:rl:{api:k}:10:60000000"};
  private static final String[] ARGS = {"1", "6000000", "60000000"};

  @Test
  void readsTheScriptsFiveIntegers() {
    ScriptReply reply = new ScriptReply();
    reply.multi(5);
    for (long value : new long[] {1, 2, 9, 6_000_000, 0}) {
      reply.set(value);
    }
    assertThat(reply.get()).containsExactly(1, 2, 9, 6_000_000, 0);
  }

  @Test
  void yieldsNothingForAReplyOfAnyOtherShape() {
    ScriptReply tooShort = new ScriptReply();
    tooShort.multi(2);
    tooShort.set(1);
    tooShort.set(1);
    assertThat(tooShort.get()).isNull();

    ScriptReply tooLong = new ScriptReply();
    tooLong.multi(5);
    for (int i = 0; i < 6; i++) {
      tooLong.set(i);
    }
    assertThat(tooLong.get()).isNull();

    ScriptReply text = new ScriptReply();
    text.multi(5);
    text.set(ByteBuffer.wrap("OK".getBytes(StandardCharsets.UTF_8)));
    for (int i = 0; i < 4; i++) {
      text.set(i);
    }
    assertThat(text.get()).isNull();

    ScriptReply nested = new ScriptReply();
    nested.multi(5);
    nested.multi(5);
    assertThat(nested.get()).isNull();

    ScriptReply nothing = new ScriptReply();
    nothing.set((ByteBuffer) null);
    assertThat(nothing.get()).isNull();
  }

  @Test
  void sendsEvalshaWithKeysAndArgumentsOrEvalWithTheSourceToReload() {
    GcraScript script = GcraScript.load();
    ScriptCall call = ScriptCall.of(script, KEYS, ARGS, false, true, new ConnectionLosses());
    assertThat(call.getType()).isEqualTo(CommandType.EVALSHA);
    assertThat(call.getArgs().toCommandString())
        .isEqualTo(script.sha + " 1 key<" + KEYS[0] + "> value<1> value<6000000> value<60000000>");

    ScriptCall reload = ScriptCall.of(script, KEYS, ARGS, true, false, new ConnectionLosses());
    assertThat(reload.getType()).isEqualTo(CommandType.EVAL);
    assertThat(reload.getArgs().toCommandString()).startsWith(script.source);
  }

  @Test
  void armsNoClientTimeoutForACallItsCallerTimesButTheCommandTimeoutForOthers() {
    ScriptTimeouts timeouts = new ScriptTimeouts(Duration.ofMillis(50));
    GcraScript script = GcraScript.load();

    assertThat(timeouts.getTimeout(ScriptCall.of(script, KEYS, ARGS, false, true, new ConnectionLosses()))).isZero();
    // One tick (a tenth) less than the command timeout: the timer fires up to a tick after a timeout is due.
    assertThat(timeouts.getTimeout(ScriptCall.of(script, KEYS, ARGS, false, false, new ConnectionLosses())))
        .isEqualTo(TimeUnit.MILLISECONDS.toNanos(45));
    assertThat(new ScriptTimeouts(Duration.ofMillis(1)).getTimeout(ScriptCall.of(script, KEYS, ARGS, false, false, new ConnectionLosses())))
        .isEqualTo(TimeUnit.MILLISECONDS.toNanos(1));
    assertThat(timeouts.getTimeout(new Command<>(CommandType.PING, new StatusOutput<>(StringCodec.UTF8))))
        .isEqualTo(TimeUnit.SECONDS.toNanos(60));
    assertThat(timeouts.getTimeUnit()).isEqualTo(TimeUnit.NANOSECONDS);
  }

  @Test
  void countsAConnectionLossWhenFailedWithAnIoErrorOnly() {
    GcraScript script = GcraScript.load();
    ConnectionLosses losses = new ConnectionLosses();

    ScriptCall refused = ScriptCall.of(script, KEYS, ARGS, false, true, losses);
    refused.completeExceptionally(new RedisException("Currently not connected. Commands are rejected."));
    assertThat(losses.count()).isZero();

    ScriptCall reset = ScriptCall.of(script, KEYS, ARGS, false, true, losses);
    assertThat(reset.completeExceptionally(new SocketException("Connection reset"))).isTrue();
    assertThat(reset).isCompletedExceptionally();
    assertThat(losses.count()).isEqualTo(1);
  }

  @Test
  void tellsTheWaitersSentBeforeALossAndNoOthers() {
    ConnectionLosses losses = new ConnectionLosses();
    List<String> told = new ArrayList<>();
    ConnectionLosses.Waiter sentBefore = waiter("before", losses.count(), told);
    ConnectionLosses.Waiter finished = waiter("finished", losses.count(), told);
    losses.await(sentBefore);
    losses.await(finished);
    losses.done(finished);

    ScriptCall.of(GcraScript.load(), KEYS, ARGS, false, true, losses)
        .completeExceptionally(new SocketException("Connection reset"));
    assertThat(told).containsExactly("before");

    // A call sent after that loss hears only of the next one.
    losses.done(sentBefore);
    ConnectionLosses.Waiter sentAfter = waiter("after", losses.count(), told);
    losses.await(sentAfter);
    losses.lost();
    assertThat(told).containsExactly("before", "after");
  }

  private static ConnectionLosses.Waiter waiter(String name, long lossesAtSend, List<String> told) {
    return new ConnectionLosses.Waiter() {
      @Override
      public long lossesAtSend() {
        return lossesAtSend;
      }

      @Override
      public void connectionBroke() {
        told.add(name);
      }
    };
  }
}
