package dev.otto.benchmarks.readiness;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Server-side time of the two readiness endpoints, from the outermost filter in (before Otto's filters and
 * the DispatcherServlet) until the response has been produced: what the app itself spends on a probe, apart
 * from the client's and the network's (and the scheduler's, on a busy machine) share of wrk's latency.
 *
 * <p>One histogram per endpoint: 1 µs buckets below 10 ms, 1 ms buckets up to 100 s. Thread-safe, lock-free.
 */
final class ServerTimes implements Filter {

  static final Histogram OTTO = new Histogram();
  static final Histogram ACTUATOR = new Histogram();

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    Histogram histogram = null;
    if (request instanceof HttpServletRequest http) {
      String uri = http.getRequestURI();
      if (uri.equals("/ready")) {
        histogram = OTTO;
      } else if (uri.equals("/actuator/health/readiness")) {
        histogram = ACTUATOR;
      }
    }
    if (histogram == null) {
      chain.doFilter(request, response);
      return;
    }
    long start = System.nanoTime();
    try {
      chain.doFilter(request, response);
    } finally {
      histogram.record((System.nanoTime() - start) / 1_000);
    }
  }

  /** Counts of durations in microseconds. */
  static final class Histogram {

    private static final int FINE = 10_000;   // 1 µs buckets: [0, 10 ms)
    private static final int COARSE = 100_000; // 1 ms buckets: [10 ms, 100 s)
    private final AtomicLongArray fine = new AtomicLongArray(FINE);
    private final AtomicLongArray coarse = new AtomicLongArray(COARSE);

    void record(long micros) {
      if (micros < FINE) {
        fine.incrementAndGet((int) Math.max(0, micros));
      } else {
        coarse.incrementAndGet((int) Math.min(COARSE - 1, micros / 1_000));
      }
    }

    /**
     * Returns {@code count=N p50_us=… p99_us=… p999_us=… max_us=… ge100ms=N ge900ms=N} and, when
     * {@code reset}, starts again from zero (counts recorded meanwhile may land on either side).
     */
    String summary(boolean reset) {
      long[] counts = new long[FINE + COARSE];
      long total = 0;
      for (int i = 0; i < FINE; i++) {
        counts[i] = reset ? fine.getAndSet(i, 0) : fine.get(i);
        total += counts[i];
      }
      for (int i = 0; i < COARSE; i++) {
        counts[FINE + i] = reset ? coarse.getAndSet(i, 0) : coarse.get(i);
        total += counts[FINE + i];
      }
      long ge100ms = 0;
      long ge900ms = 0;
      long max = 0;
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) {
          long micros = micros(i);
          max = micros;
          if (micros >= 100_000) {
            ge100ms += counts[i];
          }
          if (micros >= 900_000) {
            ge900ms += counts[i];
          }
        }
      }
      return String.format(Locale.ROOT, "count=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d ge100ms=%d ge900ms=%d",
          total, percentile(counts, total, 0.50), percentile(counts, total, 0.99),
          percentile(counts, total, 0.999), max, ge100ms, ge900ms);
    }

    private static long percentile(long[] counts, long total, double quantile) {
      if (total == 0) {
        return 0;
      }
      long rank = (long) Math.ceil(quantile * total);
      long seen = 0;
      for (int i = 0; i < counts.length; i++) {
        seen += counts[i];
        if (seen >= rank) {
          return micros(i);
        }
      }
      return micros(counts.length - 1);
    }

    /** The lower edge of bucket i, in microseconds. */
    private static long micros(int bucket) {
      return bucket < FINE ? bucket : (long) (bucket - FINE) * 1_000;
    }
  }
}
