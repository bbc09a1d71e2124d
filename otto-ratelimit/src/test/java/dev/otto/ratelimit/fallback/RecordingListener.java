package dev.otto.ratelimit.fallback;

import dev.otto.ratelimit.RateLimitListener;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Remembers what a fallback limiter told its listeners. */
final class RecordingListener implements RateLimitListener {

  final List<Throwable> engaged = new CopyOnWriteArrayList<>();
  final List<Duration> recovered = new CopyOnWriteArrayList<>();

  @Override
  public void onFallbackEngaged(Throwable cause) {
    engaged.add(cause);
  }

  @Override
  public void onFallbackRecovered(Duration degradedFor) {
    recovered.add(degradedFor);
  }
}
