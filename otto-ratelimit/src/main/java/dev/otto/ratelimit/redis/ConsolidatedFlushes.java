package dev.otto.ratelimit.redis;

import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * Puts a {@link FlushConsolidationHandler} at the socket end of every channel of the client Otto owns.
 *
 * <p>Lettuce flushes once per command: with many request threads deciding at once, that is one
 * {@code write} system call per decision. Consolidated, the flushes of the commands queued on the I/O
 * thread together go out in one write, and while a read is in progress (answers arriving) they wait for its
 * end. Nothing is delayed beyond the I/O thread's current batch of work, so a lone decision costs the same
 * round trip. Only for the client Otto creates: a user's own client keeps the pipeline its owner built.
 *
 * <p>Measured (16 threads, spread keys, 2 cores): the JVM's system time per decision fell by about 30 %
 * for blocking decisions and by half for asynchronous ones, Redis's CPU by up to 10 %; asynchronous
 * throughput rose about 8 %, blocking throughput and single-thread latency stayed the same.
 */
final class ConsolidatedFlushes implements NettyCustomizer {

  @Override
  public void afterChannelInitialized(Channel channel) {
    // One handler per channel: it holds that channel's pending-flush state. Reconnects get a fresh one.
    channel.pipeline().addFirst(new FlushConsolidationHandler(
        FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
  }
}
