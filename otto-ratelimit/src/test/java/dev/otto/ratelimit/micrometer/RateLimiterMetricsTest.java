package dev.otto.ratelimit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiterUnavailableException;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RateLimiterMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RateLimiterMetrics metrics = new RateLimiterMetrics();
  private final RateLimitPolicy policy = RateLimitPolicy.of("login", 5, Duration.ofMinutes(1));
  private final Limit limit = policy.limits().get(0);

  @Test
  void countsDecisionsByPolicyOutcomeAndBackend() {
    metrics.bindTo(registry);
    metrics.recordDecision(policy, new RateLimitDecision(true, 4, Duration.ofSeconds(12).toNanos(), 0, limit,
        RateLimitBackend.REDIS));
    metrics.recordDecision(policy, new RateLimitDecision(true, 3, Duration.ofSeconds(24).toNanos(), 0, limit,
        RateLimitBackend.REDIS));
    metrics.recordDecision(policy, new RateLimitDecision(false, 0, Duration.ofSeconds(60).toNanos(),
        Duration.ofSeconds(12).toNanos(), limit, RateLimitBackend.LOCAL));

    assertThat(registry.get("otto.ratelimit.decisions")
        .tags("policy", "login", "outcome", "allowed", "backend", "redis").counter().count()).isEqualTo(2);
    assertThat(registry.get("otto.ratelimit.decisions")
        .tags("policy", "login", "outcome", "rejected", "backend", "local").counter().count()).isEqualTo(1);
  }

  @Test
  void startsTheRedisAndLocalSeriesOfAPolicyAtZeroButNoNoneSeries() {
    metrics.bindTo(registry);
    metrics.recordDecision(policy, new RateLimitDecision(true, 4, Duration.ofSeconds(12).toNanos(), 0, limit,
        RateLimitBackend.LOCAL));

    assertThat(registry.find("otto.ratelimit.decisions").tag("policy", "login").counters())
        .extracting(counter -> counter.getId().getTag("outcome") + "/" + counter.getId().getTag("backend"))
        .containsExactlyInAnyOrder("allowed/redis", "rejected/redis", "allowed/local", "rejected/local");
    assertThat(registry.get("otto.ratelimit.decisions")
        .tags("policy", "login", "outcome", "rejected", "backend", "redis").counter().count()).isZero();
  }

  @Test
  void countsFailOpenAndFailClosedDecisionsUnderBackendNoneFromTheFirst() {
    metrics.bindTo(registry);
    metrics.recordDecision(policy, new RateLimitDecision(true, 4, 0, 0, limit, RateLimitBackend.NONE));
    assertThat(registry.find("otto.ratelimit.decisions").tags("policy", "login", "backend", "none").counters())
        .as("only the series a decision needed").singleElement()
        .satisfies(counter -> assertThat(counter.getId().getTag("outcome")).isEqualTo("allowed"))
        .satisfies(counter -> assertThat(counter.count()).isEqualTo(1));

    metrics.recordDecision(policy, new RateLimitDecision(false, 0, Duration.ofSeconds(1).toNanos(),
        Duration.ofSeconds(1).toNanos(), limit, RateLimitBackend.NONE));
    metrics.recordDecision(policy, new RateLimitDecision(true, 4, 0, 0, limit, RateLimitBackend.NONE));
    assertThat(registry.get("otto.ratelimit.decisions")
        .tags("policy", "login", "outcome", "allowed", "backend", "none").counter().count()).isEqualTo(2);
    assertThat(registry.get("otto.ratelimit.decisions")
        .tags("policy", "login", "outcome", "rejected", "backend", "none").counter().count()).isEqualTo(1);
  }

  @Test
  void countsTheFiltersDecisionsIncludingShadowOnes() {
    metrics.bindTo(registry);
    metrics.onDecision(policy, new RateLimitDecision(true, 4, Duration.ofSeconds(12).toNanos(), 0, limit,
        RateLimitBackend.LOCAL), false);
    metrics.onDecision(policy, new RateLimitDecision(false, 0, Duration.ofSeconds(60).toNanos(),
        Duration.ofSeconds(12).toNanos(), limit, RateLimitBackend.LOCAL), true);

    assertThat(registry.get("otto.ratelimit.decisions")
        .tags("policy", "login", "outcome", "allowed", "backend", "local").counter().count()).isEqualTo(1);
    assertThat(registry.get("otto.ratelimit.decisions")
        .tags("policy", "login", "outcome", "rejected", "backend", "local").counter().count()).isEqualTo(1);
  }

  @Test
  void tracksTheFallbackStateAndItsTransitions() {
    metrics.bindTo(registry);
    assertThat(registry.get("otto.ratelimit.fallback.active").gauge().value()).isZero();

    metrics.onFallbackEngaged(new RateLimiterUnavailableException("down", null));
    assertThat(registry.get("otto.ratelimit.fallback.active").gauge().value()).isEqualTo(1);
    metrics.onFallbackRecovered(Duration.ofSeconds(3));
    assertThat(registry.get("otto.ratelimit.fallback.active").gauge().value()).isZero();

    assertThat(registry.get("otto.ratelimit.fallback.transitions").tag("state", "engaged").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("otto.ratelimit.fallback.transitions").tag("state", "recovered").counter().count())
        .isEqualTo(1);
  }

  @Test
  void aFallbackClosedWhileEngagedIsNoLongerActiveButCountsNoTransition() {
    metrics.bindTo(registry);
    metrics.onFallbackEngaged(new RateLimiterUnavailableException("down", null));

    metrics.onFallbackLimiterClosed(Duration.ofSeconds(3));

    assertThat(registry.get("otto.ratelimit.fallback.active").gauge().value()).isZero();
    assertThat(registry.get("otto.ratelimit.fallback.transitions").tag("state", "recovered").counter().count())
        .isZero();
  }

  @Test
  void timesRedisCallsInSeconds() {
    metrics.bindTo(registry);
    metrics.onRedisCall(Duration.ofMillis(2), null);
    metrics.onRedisCall(Duration.ofMillis(50), new RateLimiterUnavailableException("timeout", null));

    assertThat(registry.get("otto.ratelimit.redis.latency").tag("outcome", "success").timer().totalTime(TimeUnit.MILLISECONDS))
        .isEqualTo(2);
    assertThat(registry.get("otto.ratelimit.redis.latency").tag("outcome", "failure").timer().count()).isEqualTo(1);
    assertThat(registry.get("otto.ratelimit.redis.latency").timer().getId().getBaseUnit()).isEqualTo("seconds");
  }

  @Test
  void describesEveryMeter() {
    metrics.bindTo(registry);
    metrics.recordDecision(policy, new RateLimitDecision(true, 4, 0, 0, limit,
        RateLimitBackend.LOCAL));
    assertThat(registry.getMeters()).extracting(Meter::getId)
        .allSatisfy(id -> assertThat(id.getDescription()).as(id.getName()).isNotBlank())
        .extracting(Meter.Id::getName).containsOnly("otto.ratelimit.decisions", "otto.ratelimit.redis.latency",
            "otto.ratelimit.fallback.active", "otto.ratelimit.fallback.transitions");
  }

  @Test
  void recordsOnceWhenBoundTwiceToTheSameRegistryAndIntoEveryRegistry() {
    SimpleMeterRegistry other = new SimpleMeterRegistry();
    metrics.bindTo(registry);
    metrics.bindTo(registry);
    metrics.bindTo(other);
    metrics.onFallbackEngaged(new RateLimiterUnavailableException("down", null));
    metrics.recordDecision(policy, new RateLimitDecision(true, 4, 0, 0, limit, RateLimitBackend.NONE));

    assertThat(registry.get("otto.ratelimit.fallback.transitions").tag("state", "engaged").counter().count())
        .isEqualTo(1);
    for (SimpleMeterRegistry each : List.of(registry, other)) {
      assertThat(each.get("otto.ratelimit.decisions").tags("outcome", "allowed", "backend", "none").counter().count())
          .isEqualTo(1);
    }
    assertThat(other.get("otto.ratelimit.fallback.transitions").tag("state", "engaged").counter().count())
        .isEqualTo(1);
  }
}
