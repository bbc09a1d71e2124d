package dev.otto.ratelimit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.flush.FlushConsolidationHandler;
import org.junit.jupiter.api.Test;

/** The pipeline change Otto makes to the channels of the client it owns. */
class ConsolidatedFlushesTest {

  @Test
  void givesEveryChannelItsOwnHandlerAtTheSocketEnd() {
    ConsolidatedFlushes customizer = new ConsolidatedFlushes();
    EmbeddedChannel first = new EmbeddedChannel();
    EmbeddedChannel reconnected = new EmbeddedChannel();
    customizer.afterChannelInitialized(first);
    customizer.afterChannelInitialized(reconnected);

    assertThat(first.pipeline().first()).isInstanceOf(FlushConsolidationHandler.class);
    assertThat(reconnected.pipeline().first()).isInstanceOf(FlushConsolidationHandler.class)
        .isNotSameAs(first.pipeline().first());
    first.finishAndReleaseAll();
    reconnected.finishAndReleaseAll();
  }
}
