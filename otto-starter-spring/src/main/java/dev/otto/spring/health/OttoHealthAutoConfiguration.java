package dev.otto.spring.health;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitches;
import dev.otto.health.HealthCheck;
import dev.otto.health.HealthListener;
import dev.otto.health.ReadinessAggregator;
import dev.otto.health.checks.DataSourceHealthCheck;
import dev.otto.health.checks.RedisPingHealthCheck;
import dev.otto.health.checks.WorkerHeartbeats;
import dev.otto.health.micrometer.HealthMetrics;
import dev.otto.health.servlet.HealthEndpointsFilter;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.redis.RedisIdempotencyStore;
import dev.otto.problem.servlet.ProblemResponseWriter;
import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.fallback.FallbackRateLimiter;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import dev.otto.spring.OttoFilterOrder;
import dev.otto.spring.problem.OttoProblemAutoConfiguration;
import dev.otto.spring.ratelimit.OttoRateLimitAutoConfiguration;
import dev.otto.spring.idempotency.OttoIdempotencyAutoConfiguration;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorNameGenerator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import dev.otto.spring.ConditionalOnBoolean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Liveness ({@code /health}) and readiness ({@code /ready}) for a servlet application. Readiness checks,
 * run in parallel with their own timeouts and cached: {@code database} (critical) when the application has
 * a {@link DataSource}, {@code redis} (not critical: the rate limiter falls back) when rate limiting or the
 * idempotency store uses Redis, {@code workers} when {@code otto.health.workers.enabled}, every {@link HealthCheck} bean, and the
 * Actuator indicators named in {@code otto.health.actuator-indicators}. Readiness is down until the
 * application accepts traffic and from the moment it starts shutting down.
 *
 * <p>Active unless {@code otto.health.enabled=false}. The aggregator, the heartbeat registry and the
 * filter registration ({@value #FILTER_REGISTRATION}) back off when the application defines its own.
 */
@AutoConfiguration(
    after = {
      OttoProblemAutoConfiguration.class,
      OttoRateLimitAutoConfiguration.class,
      OttoIdempotencyAutoConfiguration.class
    },
    afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(ReadinessAggregator.class)
@ConditionalOnBoolean(name = "otto.health.enabled", matchIfMissing = true)
@EnableConfigurationProperties(OttoHealthProperties.class)
public final class OttoHealthAutoConfiguration {

  /** Bean name of the health endpoints filter's registration, to replace or disable it. */
  public static final String FILTER_REGISTRATION = "ottoHealthEndpointsFilterRegistration";

  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBoolean(name = "otto.health.workers.enabled")
  WorkerHeartbeats ottoWorkerHeartbeats(OttoHealthProperties properties) {
    return WorkerHeartbeats.builder().staleAfter(properties.getWorkers().getStaleAfter()).build();
  }

  /** The aggregator; Spring closes it (and its check executor) on shutdown. */
  @Bean
  @ConditionalOnMissingBean
  ReadinessAggregator ottoReadinessAggregator(
      OttoHealthProperties properties,
      ObjectProvider<DataSource> dataSource,
      ObjectProvider<RateLimiter> rateLimiter,
      ObjectProvider<IdempotencyStore> idempotencyStore,
      ObjectProvider<WorkerHeartbeats> heartbeats,
      ObjectProvider<HealthCheck> checks,
      ObjectProvider<ActuatorHealthChecks> actuatorChecks,
      ObjectProvider<HealthListener> listeners) {
    ReadinessAggregator.Builder aggregator =
        ReadinessAggregator.builder()
            .defaultTimeout(properties.getTimeout())
            .cacheTtl(properties.getCacheTtl());
    DataSource database = dataSource.getIfUnique();
    if (properties.isDatabase() && database != null) {
      aggregator.check(DataSourceHealthCheck.of("database", database, true));
    }
    if (properties.isRedis()) {
      HealthCheck redis = redisCheck(rateLimiter.getIfUnique(), idempotencyStore.getIfUnique());
      if (redis != null) {
        aggregator.check(redis);
      }
    }
    WorkerHeartbeats workers = heartbeats.getIfUnique();
    if (workers != null) {
      aggregator.check(workers.healthCheck("workers", properties.getWorkers().isCritical()));
    }
    checks.orderedStream().forEach(aggregator::check);
    actuatorChecks.ifAvailable(actuator -> actuator.checks().forEach(aggregator::check));
    listeners.orderedStream().forEach(aggregator::listener);
    return aggregator.build();
  }

  /**
   * The non-critical check {@code redis} over a connection Otto already holds: the rate limiter's (its
   * probe also proves the decision script runs), else the Redis idempotency store's; none without Redis.
   * Not critical even for idempotency: Redis is shared by every instance, so taking each out of service
   * would turn the keyed requests' 503s into an outage of everything.
   */
  private static @Nullable HealthCheck redisCheck(
      @Nullable RateLimiter rateLimiter, @Nullable IdempotencyStore idempotencyStore) {
    if (rateLimiter instanceof FallbackRateLimiter fallback) {
      return RedisPingHealthCheck.of("redis", fallback::probe, false);
    }
    if (rateLimiter instanceof RedisRateLimiter redis) {
      return RedisPingHealthCheck.of("redis", redis::probe, false);
    }
    if (idempotencyStore instanceof RedisIdempotencyStore redis) {
      return RedisPingHealthCheck.of("redis", redis::probe, false);
    }
    return null;
  }

  @Bean
  ReadinessLifecycle ottoReadinessLifecycle(ReadinessAggregator aggregator) {
    return new ReadinessLifecycle(aggregator);
  }

  @Bean(name = FILTER_REGISTRATION)
  @ConditionalOnMissingBean(name = FILTER_REGISTRATION)
  FilterRegistrationBean<HealthEndpointsFilter> ottoHealthEndpointsFilterRegistration(
      OttoHealthProperties properties,
      Environment environment,
      ReadinessAggregator aggregator,
      ObjectProvider<WorkerHeartbeats> heartbeats,
      ObjectProvider<ProblemResponseWriter> problems,
      ComponentSwitches switches) {
    HealthEndpointsFilter.Builder filter =
        HealthEndpointsFilter.builder()
            .aggregator(aggregator)
            .enabled(switches.get(Component.HEALTH))
            .service(serviceName(properties, environment))
            .healthPath(properties.getHealthPath())
            .readyPath(properties.getReadyPath())
            .heartbeatPath(properties.getHeartbeatPath())
            .showDetails(properties.isShowDetails())
            .problemWriter(problems.getIfAvailable(ProblemResponseWriter::create));
    heartbeats.ifUnique(filter::heartbeats);
    FilterRegistrationBean<HealthEndpointsFilter> registration =
        new FilterRegistrationBean<>(filter.build());
    registration.setName("ottoHealthEndpointsFilter");
    registration.setOrder(OttoFilterOrder.HEALTH);
    return registration;
  }

  private static String serviceName(OttoHealthProperties properties, Environment environment) {
    if (StringUtils.hasText(properties.getService())) {
      return properties.getService();
    }
    return environment.getProperty("spring.application.name", "application");
  }

  /** Check timings and states as meters when Micrometer is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  static final class Metrics {

    @Bean
    @ConditionalOnMissingBean
    HealthMetrics ottoHealthMetrics() {
      return new HealthMetrics();
    }
  }

  /** Actuator in both directions: chosen indicators as checks, Otto's readiness as an indicator. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static final class Actuator {

    @Bean
    ActuatorHealthChecks ottoActuatorHealthChecks(
        OttoHealthProperties properties,
        org.springframework.beans.factory.ListableBeanFactory beans,
        ObjectProvider<HealthContributorNameGenerator> naming) {
      // The same naming as Actuator's registry, so a name means what /actuator/health shows under it.
      return new ActuatorHealthChecks(
          properties.getActuatorIndicators(),
          beans,
          naming.getIfAvailable(HealthContributorNameGenerator::withoutStandardSuffixes));
    }

    @Bean(name = OttoReadinessHealthIndicator.NAME)
    @ConditionalOnMissingBean(name = OttoReadinessHealthIndicator.NAME)
    OttoReadinessHealthIndicator ottoHealthIndicator(ReadinessAggregator aggregator) {
      return new OttoReadinessHealthIndicator(aggregator);
    }
  }
}
