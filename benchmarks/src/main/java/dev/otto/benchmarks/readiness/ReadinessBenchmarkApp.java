package dev.otto.benchmarks.readiness;

import dev.otto.health.HealthCheck;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * One Spring Boot 4 application that serves the same slow dependency twice, so that Otto's {@code /ready}
 * and Actuator's {@code /actuator/health/readiness} can be loaded side by side in one run
 * ({@code benchmarks/run-readiness.sh}):
 *
 * <ul>
 *   <li>an Otto {@link HealthCheck} named {@code slow}, picked up by the Otto starter's readiness aggregator
 *       ({@code otto.health.timeout=1s}, {@code otto.health.cache-ttl=1s});
 *   <li>an Actuator {@link HealthIndicator} bean {@code slowHealthIndicator} (component {@code slow}) in
 *       Actuator's readiness group ({@code management.endpoint.health.group.readiness.include=readinessState,slow}).
 * </ul>
 *
 * <p>Both block their thread for {@code bench.slow.delay} (default 3 s) with {@link LockSupport#parkNanos}
 * and then report UP: a dependency that answers, but far too late. The Otto check is not critical by
 * default ({@code bench.slow.critical=false}): while it is timed out Otto's {@code /ready} stays {@code 200}
 * with {@code "degraded":true}; with {@code bench.slow.critical=true} it would be {@code 503} instead, at the
 * same speed. Each dependency counts its runs and the most runs it ever had at the same time;
 * {@code GET /bench/counts} prints them as {@code otto=N otto_max_concurrent=N actuator=N
 * actuator_max_concurrent=N}, and they are printed again on shutdown. {@code GET /bench/server-times?reset=true}
 * prints the server-side time of each readiness endpoint ({@link ServerTimes}) and starts it again.
 */
@SpringBootApplication
public class ReadinessBenchmarkApp {

  static final SlowDependency OTTO = new SlowDependency();
  static final SlowDependency ACTUATOR = new SlowDependency();

  /**
   * Starts the app. Defaults below match the benchmark; any of them may be overridden on the command line
   * ({@code --server.port=8081}).
   */
  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(ReadinessBenchmarkApp.class);
    Map<String, Object> defaults = new LinkedHashMap<>();
    defaults.put("spring.application.name", "readiness-benchmark");
    defaults.put("spring.main.banner-mode", "off");
    defaults.put("server.address", "127.0.0.1");
    defaults.put("server.port", "8080");
    defaults.put("otto.health.timeout", "1s");
    defaults.put("otto.health.cache-ttl", "1s");
    defaults.put("management.endpoints.web.exposure.include", "health");
    defaults.put("management.endpoint.health.probes.enabled", "true");
    defaults.put("management.endpoint.health.group.readiness.include", "readinessState,slow");
    defaults.put("management.endpoint.health.show-details", "always");
    app.setDefaultProperties(defaults);
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> System.out.println("slow dependency runs at shutdown: " + counts()), "print-counts"));
    app.run(args);
  }

  /** The slow dependency as Otto sees it. */
  @Bean
  HealthCheck slowOttoCheck(
      @Value("${bench.slow.delay:3s}") Duration delay,
      @Value("${bench.slow.critical:false}") boolean critical) {
    return HealthCheck.builder("slow")
        .critical(critical)
        .action(timeout -> {
          OTTO.call(delay);
          return Map.of("delay_ms", delay.toMillis());
        })
        .build();
  }

  /** The same slow dependency as Actuator sees it: health component {@code slow}. */
  @Bean
  HealthIndicator slowHealthIndicator(@Value("${bench.slow.delay:3s}") Duration delay) {
    return () -> {
      try {
        ACTUATOR.call(delay);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Health.down().withDetail("error", "interrupted").build();
      }
      return Health.up().withDetail("delay_ms", delay.toMillis()).build();
    };
  }

  static String counts() {
    return "otto=" + OTTO.runs.get() + " otto_max_concurrent=" + OTTO.maxConcurrent.get()
        + " actuator=" + ACTUATOR.runs.get() + " actuator_max_concurrent=" + ACTUATOR.maxConcurrent.get();
  }

  /** Server-side timing of both readiness endpoints, outside every other filter. */
  @Bean
  FilterRegistrationBean<ServerTimes> benchServerTimes() {
    FilterRegistrationBean<ServerTimes> registration = new FilterRegistrationBean<>(new ServerTimes());
    registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
    registration.addUrlPatterns("/*");
    return registration;
  }

  /** {@code GET /bench/counts}: how often each side ran the slow dependency; {@code /bench/server-times}. */
  @RestController
  static class Counts {

    @GetMapping(value = "/bench/counts", produces = "text/plain")
    String counts() {
      return ReadinessBenchmarkApp.counts() + "\n";
    }

    @GetMapping(value = "/bench/server-times", produces = "text/plain")
    String serverTimes(@RequestParam(defaultValue = "false") boolean reset) {
      return "otto " + ServerTimes.OTTO.summary(reset) + "\nactuator " + ServerTimes.ACTUATOR.summary(reset) + "\n";
    }
  }

  /** A dependency that takes {@code delay} to answer: parks the calling thread, counts its calls. */
  static final class SlowDependency {

    final AtomicLong runs = new AtomicLong();
    final AtomicLong concurrent = new AtomicLong();
    final AtomicLong maxConcurrent = new AtomicLong();

    void call(Duration delay) throws InterruptedException {
      runs.incrementAndGet();
      long now = concurrent.incrementAndGet();
      maxConcurrent.accumulateAndGet(now, Math::max);
      try {
        long deadline = System.nanoTime() + delay.toNanos();
        for (long left = delay.toNanos(); left > 0; left = deadline - System.nanoTime()) {
          LockSupport.parkNanos(this, left);
          if (Thread.interrupted()) {
            throw new InterruptedException("slow dependency interrupted");
          }
        }
      } finally {
        concurrent.decrementAndGet();
      }
    }
  }
}
