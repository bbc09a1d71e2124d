package dev.otto.ratelimit.fallback;

import dev.otto.ratelimit.RateLimitListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers what a fallback limiter told its listeners. */
final class RecordingListener implements RateLimitListener {

  final List<Throwable> engaged = new CopyOnWriteArrayList<>();
  final List<Duration> recovered = new CopyOnWriteArrayList<>();
  final List<Duration> closed = new CopyOnWriteArrayList<>();
  /** The threads that told of each change, in order. */
  final List<String> threads = new CopyOnWriteArrayList<>();

  @Override
  public void onFallbackEngaged(Throwable cause) {
    threads.add(Thread.currentThread().getName());
    engaged.add(cause);
  }

  @Override
  public void onFallbackRecovered(Duration degradedFor) {
    threads.add(Thread.currentThread().getName());
    recovered.add(degradedFor);
  }

  @Override
  public void onFallbackLimiterClosed(Duration degradedFor) {
    threads.add(Thread.currentThread().getName());
    closed.add(degradedFor);
  }
}
