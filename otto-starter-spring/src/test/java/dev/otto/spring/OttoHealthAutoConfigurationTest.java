package dev.otto.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.otto.health.HealthCheck;
import dev.otto.health.Readiness;
import dev.otto.health.CheckResult;
import dev.otto.health.CheckResult.Status;
import dev.otto.health.ReadinessAggregator;
import dev.otto.health.checks.WorkerHeartbeats;
import dev.otto.health.micrometer.HealthMetrics;
import dev.otto.spring.health.OttoHealthAutoConfiguration;
import dev.otto.spring.idempotency.OttoIdempotencyAutoConfiguration;
import dev.otto.spring.problem.OttoProblemAutoConfiguration;
import dev.otto.spring.ratelimit.OttoRateLimitAutoConfiguration;
import dev.otto.testsupport.PostgresEndpoint;
import dev.otto.testsupport.TestServices;
import java.util.Map;
import javax.sql.DataSource;
import dev.otto.spring.switches.OttoSwitchesAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class OttoHealthAutoConfigurationTest {

  private final WebApplicationContextRunner web =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  OttoSwitchesAutoConfiguration.class,
                  OttoProblemAutoConfiguration.class,
                  OttoRateLimitAutoConfiguration.class,
                  OttoHealthAutoConfiguration.class));

  @Test
  void servesTheEndpointsWithTheFilterBeforeSecurityAndRateLimiting() {
    web.run(
        context -> {
          FilterRegistrationBean<?> registration =
              (FilterRegistrationBean<?>) context.getBean(OttoHealthAutoConfiguration.FILTER_REGISTRATION);
          assertThat(registration.getOrder()).isEqualTo(OttoFilterOrder.HEALTH).isLessThan(-100);
          assertThat(context).hasSingleBean(HealthMetrics.class);
          assertThat(context).hasBean("ottoHealthIndicator");
        });
  }

  @Test
  void readinessFollowsSpringBootsReadinessState() {
    web.run(
        context -> {
          ReadinessAggregator aggregator = context.getBean(ReadinessAggregator.class);
          assertThat(aggregator.readiness().ready()).isFalse();

          AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);
          assertThat(aggregator.readiness().ready()).isTrue();

          AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
          assertThat(aggregator.readiness().ready()).isFalse();
        });
  }

  @Test
  void aChildContextStoppingOrClosingLeavesReadinessAlone() {
    web.run(
        context -> {
          ReadinessAggregator aggregator = context.getBean(ReadinessAggregator.class);
          AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);

          // A child context's events reach its parent's listeners too.
          try (AnnotationConfigApplicationContext child = new AnnotationConfigApplicationContext()) {
            child.setParent(context.getSourceApplicationContext());
            child.refresh();
            AvailabilityChangeEvent.publish(child, ReadinessState.REFUSING_TRAFFIC);
          }

          assertThat(aggregator.readiness().ready()).isTrue();
        });
  }

  @Test
  void checksTheDataSourceWorkersRedisAndApplicationChecks() {
    web.withUserConfiguration(Database.class, OwnCheck.class)
        .withPropertyValues(
            "otto.health.workers.enabled=true",
            "otto.redis.url=" + TestServices.redis().uri(),
            "otto.ratelimit.policies.p.limits[0].quota=1",
            "otto.ratelimit.policies.p.limits[0].period=1s")
        .run(
            context -> {
              assertThat(context).hasSingleBean(WorkerHeartbeats.class);
              assertThat(context.getBean(ReadinessAggregator.class).checkNames())
                  .containsExactly("database", "redis", "workers", "own");
            });
  }

  @Test
  void redisIsCheckedThroughTheIdempotencyStoreWhenRateLimitingIsOff() {
    web.withConfiguration(AutoConfigurations.of(OttoIdempotencyAutoConfiguration.class))
        .withPropertyValues(
            "otto.redis.url=" + TestServices.redis().uri(),
            "otto.idempotency.store=redis",
            "otto.ratelimit.enabled=false")
        .run(
            context -> {
              ReadinessAggregator aggregator = context.getBean(ReadinessAggregator.class);
              assertThat(aggregator.checkNames()).containsExactly("redis");
              AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);

              CheckResult redis = aggregator.readiness().components().get("redis");
              assertThat(redis.status()).isEqualTo(Status.UP);
              assertThat(redis.critical()).isFalse();
            });
  }

  @Test
  void withoutRedisOrADataSourceThereAreNoSuchComponents() {
    web.run(context -> assertThat(context.getBean(ReadinessAggregator.class).checkNames()).isEmpty());
  }

  @Test
  void anUnknownActuatorIndicatorFailsStartupNamingIt() {
    web.withPropertyValues("otto.health.actuator-indicators=nosuch")
        .run(
            context ->
                assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("nosuch"));
  }

  @Test
  void actuatorIndicatorsAreNamedAsActuatorNamesThemCompositesIncluded() {
    web.withConfiguration(
            AutoConfigurations.of(
                HealthContributorAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class))
        .withUserConfiguration(Databases.class)
        .withPropertyValues("otto.health.actuator-indicators=ping,db")
        .run(
            context -> {
              assertThat(context).hasBean("pingHealthContributor").hasBean("dbHealthContributor");
              ReadinessAggregator aggregator = context.getBean(ReadinessAggregator.class);
              assertThat(aggregator.checkNames()).containsExactly("ping", "db");
              AvailabilityChangeEvent.publish(context, ReadinessState.ACCEPTING_TRAFFIC);

              Readiness readiness = aggregator.readiness();
              assertThat(readiness.components().get("ping").status()).isEqualTo(Status.UP);
              assertThat(readiness.components().get("db").status()).isEqualTo(Status.DOWN);
              assertThat(readiness.components().get("db").error()).contains("db/secondary");
            });
  }

  @Test
  void enabledFalseCreatesNoHealthBeans() {
    web.withPropertyValues("otto.health.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(ReadinessAggregator.class);
              assertThat(context).doesNotHaveBean(OttoHealthAutoConfiguration.FILTER_REGISTRATION);
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class Database {
    @Bean(destroyMethod = "close")
    DataSource dataSource() {
      PostgresEndpoint postgres = TestServices.postgres();
      HikariDataSource dataSource = new HikariDataSource();
      dataSource.setJdbcUrl(postgres.jdbcUrl());
      dataSource.setUsername(postgres.username());
      dataSource.setPassword(postgres.password());
      dataSource.setMaximumPoolSize(2);
      return dataSource;
    }
  }

  /** Two databases, registered as Actuator registers several DataSources: one composite contributor. */
  @Configuration(proxyBeanMethods = false)
  static class Databases {
    @Bean
    HealthContributor dbHealthContributor() {
      return CompositeHealthContributor.fromMap(
          Map.of(
              "primary", (HealthIndicator) () -> Health.up().build(),
              "secondary", (HealthIndicator) () -> Health.down().build()));
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnCheck {
    @Bean
    HealthCheck own() {
      return HealthCheck.of("own", false, timeout -> null);
    }
  }
}
