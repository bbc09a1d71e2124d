package dev.otto.demo;

import com.zaxxer.hikari.HikariDataSource;
import dev.otto.spring.idempotency.IdempotencyPrincipal;
import javax.sql.DataSource;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The demo's own beans. */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class DemoConfiguration {

  /**
   * PostgreSQL, only when SPRING_DATASOURCE_URL is set: without it the demo needs no database at all,
   * which Spring Boot's DataSource auto-configuration would not allow.
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnProperty("spring.datasource.url")
  DataSource dataSource(Environment environment) {
    HikariDataSource dataSource = new HikariDataSource();
    dataSource.setJdbcUrl(environment.getRequiredProperty("spring.datasource.url"));
    dataSource.setUsername(environment.getProperty("spring.datasource.username", "postgres"));
    dataSource.setPassword(environment.getProperty("spring.datasource.password", ""));
    dataSource.setPoolName("otto-demo");
    dataSource.setConnectionTimeout(2_000);
    // Hikari checks an idle connection before handing it out, with its own 5 s default; a silent
    // database would otherwise hold a request that long before the idempotency store answers 503.
    dataSource.setValidationTimeout(1_000);
    return dataSource;
  }

  /**
   * A stand-in for authentication: the demo takes the principal from the X-User header, so the same
   * idempotency key from two users means two payments.
   */
  @Bean
  IdempotencyPrincipal demoPrincipal() {
    return request -> request.getHeader("X-User");
  }
}
