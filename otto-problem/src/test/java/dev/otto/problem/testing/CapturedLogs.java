package dev.otto.problem.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/** Collects the events of one logger while open; safe to append from server threads. */
public final class CapturedLogs implements AutoCloseable {

  private final Logger logger;
  private final ConcurrentLinkedQueue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();
  private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent event) {
      event.prepareForDeferredProcessing(); // captures the MDC of the logging thread now
      events.add(event);
    }
  };

  private CapturedLogs(Class<?> loggerOf) {
    this.logger = (Logger) LoggerFactory.getLogger(loggerOf);
    appender.start();
    logger.addAppender(appender);
  }

  public static CapturedLogs of(Class<?> loggerOf) {
    return new CapturedLogs(loggerOf);
  }

  public List<ILoggingEvent> events() {
    return List.copyOf(events);
  }

  public List<ILoggingEvent> at(Level level) {
    return events.stream().filter(e -> e.getLevel() == level).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
