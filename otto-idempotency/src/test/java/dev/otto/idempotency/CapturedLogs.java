package dev.otto.idempotency;

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
      event.prepareForDeferredProcessing();
      events.add(event);
    }
  };

  private CapturedLogs(Class<?> loggerOf) {
    this.logger = (Logger) LoggerFactory.getLogger(loggerOf);
    appender.start();
    logger.addAppender(appender);
  }

  /** Starts collecting the events of {@code loggerOf}'s logger. */
  public static CapturedLogs of(Class<?> loggerOf) {
    return new CapturedLogs(loggerOf);
  }

  /** The events at {@code level} so far. */
  public List<ILoggingEvent> at(Level level) {
    return events.stream().filter(e -> e.getLevel() == level).toList();
  }

  /** Every event's formatted message and, if any, its exception's messages, for "never logged" checks. */
  public String allText() {
    StringBuilder text = new StringBuilder();
    for (ILoggingEvent event : events) {
      text.append(event.getFormattedMessage()).append('\n');
      for (var proxy = event.getThrowableProxy(); proxy != null; proxy = proxy.getCause()) {
        text.append(proxy.getMessage()).append('\n');
      }
    }
    return text.toString();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
