package dev.otto.ratelimit.redis;

import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.CommandOutput;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The reply of the GCRA script, read straight into the five integers it returns ({@code allowed, limit,
 * remaining, resetAfter µs, retryAfter µs}) instead of Lettuce's generic list of boxed values, which cost
 * a decision several objects. Any other shape (a script of someone else's under the same SHA-1, a proxy
 * answering oddly) marks the reply malformed: {@link #get()} is then null and the limiter reports it as
 * unavailable, with a message that says so.
 */
final class ScriptReply extends CommandOutput<String, String, long @Nullable []> {

  /** Integers in a well-formed reply. */
  static final int FIELDS = 5;

  private final long[] values = new long[FIELDS];
  private int arrays;
  private int integers;
  private boolean malformed;

  ScriptReply() {
    super(StringCodec.UTF8, null);
  }

  /** The five integers, or null when Redis answered anything else. */
  @Override
  public long @Nullable [] get() {
    return !malformed && arrays == 1 && integers == FIELDS ? values : null;
  }

  @Override
  public void multi(int count) {
    if (arrays++ > 0 || count != FIELDS) {
      malformed = true;
    }
  }

  @Override
  public void set(long integer) {
    if (integers < FIELDS) {
      values[integers] = integer;
    }
    integers++;
  }

  @Override
  public void set(@Nullable ByteBuffer bytes) {
    malformed = true;
  }

  @Override
  public void set(double number) {
    malformed = true;
  }

  @Override
  public void set(boolean value) {
    malformed = true;
  }
}
