package dev.otto.spring.idempotency;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitch;
import dev.otto.core.ComponentSwitches;
import dev.otto.idempotency.IdempotencyListener;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.jdbc.JdbcIdempotencyStore;
import dev.otto.idempotency.memory.MemoryIdempotencyStore;
import dev.otto.idempotency.micrometer.IdempotencyMetrics;
import dev.otto.idempotency.redis.RedisIdempotencyStore;
import dev.otto.idempotency.servlet.IdempotencyFilter;
import dev.otto.idempotency.servlet.IdempotencyRule;
import dev.otto.problem.servlet.ProblemResponseWriter;
import dev.otto.spring.ConditionalOnRules;
import dev.otto.spring.OttoFilterOrder;
import dev.otto.spring.OttoRedisProperties;
import dev.otto.spring.problem.OttoProblemAutoConfiguration;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import dev.otto.spring.ConditionalOnBoolean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * Idempotency keys for a servlet application: requests on the routes of
 * {@code otto.idempotency.routes.*} (or {@link IdempotencyRule} beans) run once per key, and retries get
 * the stored response. The store is {@code otto.idempotency.store}: {@code memory} (default),
 * {@code redis} ({@code otto.redis.url}) or {@code jdbc} (the application's {@link DataSource}, with
 * expired rows deleted every {@code otto.idempotency.jdbc.cleanup-interval}).
 *
 * <p>Active unless {@code otto.idempotency.enabled=false}. The store, the principal and the filter
 * registration ({@value #FILTER_REGISTRATION}) back off when the application defines its own; the
 * registration also backs off for any {@link IdempotencyFilter} bean of the application's, or a
 * {@code FilterRegistrationBean<IdempotencyFilter>} of another name.
 */
@AutoConfiguration(
    after = OttoProblemAutoConfiguration.class,
    afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(IdempotencyFilter.class)
@ConditionalOnBoolean(name = "otto.idempotency.enabled", matchIfMissing = true)
@EnableConfigurationProperties({OttoIdempotencyProperties.class, OttoRedisProperties.class})
public final class OttoIdempotencyAutoConfiguration {

  private static final Logger log = LoggerFactory.getLogger(OttoIdempotencyAutoConfiguration.class);

  /** Bean name of the idempotency filter's registration, to replace or disable it. */
  public static final String FILTER_REGISTRATION = "ottoIdempotencyFilterRegistration";

  /** The store; Spring closes a Redis store (and the connection it opened) on shutdown. */
  @Bean
  @ConditionalOnMissingBean
  IdempotencyStore ottoIdempotencyStore(
      OttoIdempotencyProperties properties,
      OttoRedisProperties redis,
      ObjectProvider<DataSource> dataSource) {
    return switch (properties.getStore()) {
      case MEMORY ->
          MemoryIdempotencyStore.builder()
              .maximumKeys(properties.getMemory().getMaximumKeys())
              .maximumBytes(properties.getMemory().getMaximumBytes().toBytes())
              .build();
      case REDIS -> {
        if (!StringUtils.hasText(redis.getUrl())) {
          throw new IllegalStateException(
              "otto.idempotency.store=redis needs otto.redis.url (environment OTTO_REDIS_URL),"
                  + " for example redis://127.0.0.1:6379");
        }
        if (redis.isCluster()) {
          throw new IllegalStateException(
              "otto.idempotency.store=redis does not support a Redis Cluster (otto.redis.cluster=true);"
                  + " use otto.idempotency.store=jdbc, or memory for one instance");
        }
        yield RedisIdempotencyStore.builder()
            .uri(redis.getUrl())
            .commandTimeout(properties.getRedis().getCommandTimeout())
            .keyPrefix(properties.getRedis().getKeyPrefix())
            .build();
      }
      case JDBC -> {
        DataSource database = dataSource.getIfUnique();
        if (database == null) {
          throw new IllegalStateException(
              "otto.idempotency.store=jdbc needs one DataSource: configure spring.datasource.url"
                  + " (environment SPRING_DATASOURCE_URL) for PostgreSQL");
        }
        yield JdbcIdempotencyStore.builder()
            .dataSource(database)
            .tableName(properties.getJdbc().getTableName())
            .createTableIfMissing(properties.getJdbc().isCreateTable())
            .statementTimeout(properties.getJdbc().getStatementTimeout())
            .lockTimeout(properties.getJdbc().getLockTimeout())
            .build();
      }
    };
  }

  @Bean
  @ConditionalOnMissingBean
  IdempotencyPrincipal ottoIdempotencyPrincipal() {
    return request -> {
      Principal principal = request.getUserPrincipal();
      return principal == null ? null : principal.getName();
    };
  }

  /**
   * Says so when an {@link IdempotencyFilter} of the application's replaced Otto's registration while
   * {@code otto.idempotency.routes} are set: those routes then apply nowhere, which must not pass unseen.
   */
  @Bean
  SmartInitializingSingleton ottoIdempotencyRoutesApplied(
      OttoIdempotencyProperties properties, ListableBeanFactory beans) {
    return () -> {
      if (!properties.getRoutes().isEmpty() && !beans.containsBean(FILTER_REGISTRATION)) {
        log.warn("otto.idempotency.routes {} are not applied: the application defines its own IdempotencyFilter, "
            + "which replaces Otto's", properties.getRoutes().keySet());
      }
    };
  }

  // Backs off for an IdempotencyFilter of the application's, bare or registered under any name: two
  // filters would each claim the key, and the second would answer every first request with 409.
  @Bean(name = FILTER_REGISTRATION)
  @ConditionalOnMissingBean(
      name = FILTER_REGISTRATION,
      value = IdempotencyFilter.class,
      parameterizedContainer = FilterRegistrationBean.class)
  @ConditionalOnRules(prefix = "otto.idempotency.routes", beanType = IdempotencyRule.class)
  FilterRegistrationBean<IdempotencyFilter> ottoIdempotencyFilterRegistration(
      OttoIdempotencyProperties properties,
      IdempotencyStore store,
      IdempotencyPrincipal principal,
      ObjectProvider<IdempotencyRule> ruleBeans,
      ObjectProvider<IdempotencyListener> listeners,
      ObjectProvider<ProblemResponseWriter> problems,
      ComponentSwitches switches) {
    ComponentSwitch idempotency = switches.get(Component.IDEMPOTENCY);
    IdempotencyFilter.Builder filter =
        IdempotencyFilter.builder()
            .store(store)
            .enabled(idempotency)
            .shadow(idempotency.shadow())
            .principal(principal::of)
            .ttl(properties.getTtl())
            .lease(properties.getLease())
            .maxRequestBody(properties.getMaxRequestBody().toBytes())
            .maxStoredBody(properties.getMaxStoredBody().toBytes())
            .responseWriter(problems.getIfAvailable(ProblemResponseWriter::create));
    rules(properties).forEach(filter::rule);
    ruleBeans.orderedStream().forEach(filter::rule);
    listeners.orderedStream().forEach(filter::listener);
    FilterRegistrationBean<IdempotencyFilter> registration = new FilterRegistrationBean<>(filter.build());
    registration.setName("ottoIdempotencyFilter");
    registration.setOrder(OttoFilterOrder.IDEMPOTENCY);
    registration.setAsyncSupported(true);
    return registration;
  }

  static List<IdempotencyRule> rules(OttoIdempotencyProperties properties) {
    return properties.getRoutes().entrySet().stream().map(OttoIdempotencyAutoConfiguration::rule).toList();
  }

  private static IdempotencyRule rule(Map.Entry<String, OttoIdempotencyProperties.Route> entry) {
    OttoIdempotencyProperties.Route route = entry.getValue();
    if (route.getPaths().isEmpty()) {
      throw new IllegalArgumentException(
          "otto.idempotency.routes." + entry.getKey() + ".paths is empty: name at least one path pattern");
    }
    IdempotencyRule.Builder rule =
        IdempotencyRule.builder()
            .methods(route.getMethods().toArray(String[]::new))
            .keyHeader(route.getKeyHeader())
            .required(route.isRequired())
            .fingerprintHeaders(route.getFingerprintHeaders().toArray(String[]::new))
            .shadow(route.isShadow());
    route.getPaths().forEach(rule::path);
    return rule.build();
  }

  /**
   * Deletes expired rows every {@code otto.idempotency.jdbc.cleanup-interval} when the store is
   * PostgreSQL. An application that supplies its own store schedules its own cleanup.
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnProperty(name = "otto.idempotency.store", havingValue = "jdbc")
  ExpiredRecordCleanup ottoIdempotencyCleanup(
      IdempotencyStore store, OttoIdempotencyProperties properties) {
    if (!(store instanceof JdbcIdempotencyStore jdbc)) {
      throw new IllegalStateException(
          "otto.idempotency.store=jdbc, but the IdempotencyStore bean is a "
              + store.getClass().getName() + "; remove otto.idempotency.store or the custom store");
    }
    return new ExpiredRecordCleanup(jdbc, properties.getJdbc().getCleanupInterval());
  }

  /** Request outcomes and store latency as meters when Micrometer is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  static final class Metrics {

    @Bean
    @ConditionalOnMissingBean
    IdempotencyMetrics ottoIdempotencyMetrics() {
      return new IdempotencyMetrics();
    }
  }
}
