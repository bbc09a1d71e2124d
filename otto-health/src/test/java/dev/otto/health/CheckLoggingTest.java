package dev.otto.health;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class CheckLoggingTest {

  private final Logger logger = (Logger) LoggerFactory.getLogger(ReadinessAggregator.class);
  private final ListAppender<ILoggingEvent> events = new ListAppender<>();
  private Level previousLevel;

  @BeforeEach
  void capture() {
    previousLevel = logger.getLevel();
    logger.setLevel(Level.INFO);
    logger.setAdditive(false); // captured, not printed
    events.start();
    logger.addAppender(events);
  }

  @AfterEach
  void release() {
    logger.detachAppender(events);
    logger.setLevel(previousLevel);
    logger.setAdditive(true);
  }

  @Test
  void logsTheFullExceptionOnceAtWarnWhenACheckGoesDownAndAtInfoWhenItRecovers() {
    AtomicInteger runs = new AtomicInteger();
    IllegalStateException secret = new IllegalStateException("password=hunter2");
    try (ReadinessAggregator aggregator = new FakeClock().appliedTo(ReadinessAggregator.builder())
        .cacheTtl(Duration.ZERO)
        .check(HealthCheck.of("db", true, timeout -> {
          if (runs.incrementAndGet() <= 3) {
            throw secret;
          }
          return null;
        }))
        .build()) {
      aggregator.markStarted();

      for (int i = 0; i < 4; i++) {
        aggregator.readiness();
      }
    }

    assertThat(events.list).filteredOn(event -> event.getLevel() == Level.WARN)
        .singleElement()
        .satisfies(event -> {
          assertThat(event.getFormattedMessage()).isEqualTo("Health check 'db' is DOWN: check failed");
          assertThat(event.getThrowableProxy().getMessage()).isEqualTo("password=hunter2");
        });
    assertThat(events.list).extracting(ILoggingEvent::getFormattedMessage)
        .contains("Health check 'db' is UP again");
  }
}
