package dev.otto.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.jdbc.JdbcIdempotencyStore;
import dev.otto.idempotency.memory.MemoryIdempotencyStore;
import dev.otto.idempotency.micrometer.IdempotencyMetrics;
import dev.otto.idempotency.redis.RedisIdempotencyStore;
import dev.otto.idempotency.servlet.IdempotencyFilter;
import dev.otto.idempotency.servlet.IdempotencyRule;
import dev.otto.spring.idempotency.IdempotencyPrincipal;
import dev.otto.spring.idempotency.OttoIdempotencyAutoConfiguration;
import dev.otto.spring.problem.OttoProblemAutoConfiguration;
import dev.otto.testsupport.PostgresEndpoint;
import dev.otto.testsupport.TestServices;
import java.util.List;
import javax.sql.DataSource;
import dev.otto.spring.switches.OttoSwitchesAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class OttoIdempotencyAutoConfigurationTest {

  private final WebApplicationContextRunner web =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  OttoSwitchesAutoConfiguration.class,
                  OttoProblemAutoConfiguration.class, OttoIdempotencyAutoConfiguration.class));

  private static final String[] PAYMENTS = {
    "otto.idempotency.routes.payments.paths=/api/payments",
  };

  @Test
  void theDefaultStoreIsInMemoryAndWithoutRoutesNoFilterIsRegistered() {
    web.run(
        context -> {
          assertThat(context.getBean(IdempotencyStore.class)).isInstanceOf(MemoryIdempotencyStore.class);
          assertThat(context).doesNotHaveBean(OttoIdempotencyAutoConfiguration.FILTER_REGISTRATION);
          assertThat(context).hasSingleBean(IdempotencyMetrics.class);
          assertThat(context).hasSingleBean(IdempotencyPrincipal.class);
        });
  }

  @Test
  void theMemoryStoreIsBoundedBy64MegabytesAndAHundredThousandKeysByDefault() {
    web.run(
        context ->
            assertThat(context.getBean(IdempotencyStore.class).toString())
                .contains("maximumKeys=100000, maximumBytes=" + 64 * 1024 * 1024));
  }

  @Test
  void theMemoryStoreTakesItsBoundsFromTheProperties() {
    web.withPropertyValues(
            "otto.idempotency.memory.maximum-keys=500", "otto.idempotency.memory.maximum-bytes=8MB")
        .run(
            context ->
                assertThat(context.getBean(IdempotencyStore.class).toString())
                    .contains("maximumKeys=500, maximumBytes=" + 8 * 1024 * 1024));
  }

  @Test
  void anUnusableMaximumOfBytesFailsStartupNamingIt() {
    web.withPropertyValues("otto.idempotency.memory.maximum-bytes=0B")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessage("maximumBytes must be positive: 0"));
  }

  @Test
  void configuredRoutesRegisterTheFilterAfterRateLimiting() {
    web.withPropertyValues(PAYMENTS)
        .run(
            context -> {
              FilterRegistrationBean<?> registration =
                  (FilterRegistrationBean<?>)
                      context.getBean(OttoIdempotencyAutoConfiguration.FILTER_REGISTRATION);
              assertThat(registration.getOrder()).isEqualTo(OttoFilterOrder.IDEMPOTENCY);
              assertThat(OttoFilterOrder.IDEMPOTENCY).isGreaterThan(OttoFilterOrder.RATE_LIMIT);
            });
  }

  @Test
  void theRedisStoreUsesOttoRedisUrl() {
    web.withPropertyValues(PAYMENTS)
        .withPropertyValues("otto.idempotency.store=redis", "otto.redis.url=" + TestServices.redis().uri())
        .run(context -> assertThat(context.getBean(IdempotencyStore.class)).isInstanceOf(RedisIdempotencyStore.class));
  }

  @Test
  void theRedisStoreWithoutAUrlFailsStartupSayingWhatToSet() {
    web.withPropertyValues("otto.idempotency.store=redis")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("otto.redis.url")
                    .hasMessageContaining("OTTO_REDIS_URL"));
  }

  @Test
  void theRedisStoreOnARedisClusterFailsStartupSayingWhatToUseInstead() {
    web.withPropertyValues(
            "otto.idempotency.store=redis", "otto.redis.url=redis://127.0.0.1:7000", "otto.redis.cluster=true")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("does not support a Redis Cluster")
                    .hasMessageContaining("otto.idempotency.store=jdbc"));
  }

  @Test
  void theJdbcStoreUsesTheDataSourceAndSchedulesCleanup() {
    web.withUserConfiguration(Database.class)
        .withPropertyValues(PAYMENTS)
        .withPropertyValues(
            "otto.idempotency.store=jdbc",
            "otto.idempotency.jdbc.create-table=true",
            "otto.idempotency.jdbc.table-name=otto_idempotency_starter_test")
        .run(
            context -> {
              assertThat(context.getBean(IdempotencyStore.class)).isInstanceOf(JdbcIdempotencyStore.class);
              assertThat(context).hasBean("ottoIdempotencyCleanup");
            });
  }

  @Test
  void aCleanupIntervalThatIsNeitherZeroNorAtLeastOneMillisecondFailsStartupNamingIt() {
    for (String interval : List.of("500us", "-1s")) {
      web.withUserConfiguration(Database.class)
          .withPropertyValues(
              "otto.idempotency.store=jdbc",
              "otto.idempotency.jdbc.create-table=true",
              "otto.idempotency.jdbc.table-name=otto_idempotency_starter_test",
              "otto.idempotency.jdbc.cleanup-interval=" + interval)
          .run(
              context ->
                  assertThat(context.getStartupFailure())
                      .as(interval)
                      .rootCause()
                      .hasMessageContaining("otto.idempotency.jdbc.cleanup-interval")
                      .hasMessageContaining("0 (off) or at least 1ms"));
    }
  }

  @Test
  void theJdbcStoreWithoutADataSourceFailsStartupSayingWhatToSet() {
    web.withPropertyValues("otto.idempotency.store=jdbc")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("spring.datasource.url"));
  }

  @Test
  void enabledFalseCreatesNoIdempotencyBeans() {
    web.withPropertyValues(PAYMENTS)
        .withPropertyValues("otto.idempotency.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(IdempotencyStore.class);
              assertThat(context).doesNotHaveBean(OttoIdempotencyAutoConfiguration.FILTER_REGISTRATION);
            });
  }

  @Test
  void applicationBeansReplaceTheStoreAndThePrincipal() {
    web.withUserConfiguration(OwnBeans.class)
        .run(
            context -> {
              assertThat(context.getBean(IdempotencyStore.class)).isSameAs(OwnBeans.STORE);
              assertThat(context.getBean(IdempotencyPrincipal.class)).isSameAs(OwnBeans.PRINCIPAL);
            });
  }

  @Test
  @ExtendWith(OutputCaptureExtension.class)
  void anApplicationIdempotencyFilterReplacesOttosRegistrationSoNoRequestIsHandledTwice(CapturedOutput output) {
    web.withPropertyValues(PAYMENTS)
        .withUserConfiguration(OwnFilter.class)
        .run(context -> {
          assertThat(context).doesNotHaveBean(OttoIdempotencyAutoConfiguration.FILTER_REGISTRATION);
          assertThat(context).hasSingleBean(IdempotencyFilter.class);
        });
    assertThat(output).contains("otto.idempotency.routes [payments] are not applied");
    web.withPropertyValues(PAYMENTS)
        .withUserConfiguration(OwnFilterRegistration.class)
        .run(context -> {
          assertThat(context).doesNotHaveBean(OttoIdempotencyAutoConfiguration.FILTER_REGISTRATION);
          assertThat(context).hasBean("myIdempotencyFilter");
        });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnFilter {
    @Bean
    IdempotencyFilter myIdempotencyFilter(IdempotencyStore store) {
      return IdempotencyFilter.builder().store(store).rule(OWN_RULE).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnFilterRegistration {
    @Bean
    FilterRegistrationBean<IdempotencyFilter> myIdempotencyFilter(IdempotencyStore store) {
      return new FilterRegistrationBean<>(IdempotencyFilter.builder().store(store).rule(OWN_RULE).build());
    }
  }

  private static final IdempotencyRule OWN_RULE = IdempotencyRule.builder().path("/own").build();

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

  @Configuration(proxyBeanMethods = false)
  static class OwnBeans {
    static final IdempotencyStore STORE = MemoryIdempotencyStore.create();
    static final IdempotencyPrincipal PRINCIPAL = request -> request.getHeader("X-User");

    @Bean
    IdempotencyStore ownStore() {
      return STORE;
    }

    @Bean
    IdempotencyPrincipal ownPrincipal() {
      return PRINCIPAL;
    }
  }
}
