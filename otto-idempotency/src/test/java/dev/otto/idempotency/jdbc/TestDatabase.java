package dev.otto.idempotency.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.otto.testsupport.PostgresEndpoint;
import dev.otto.testsupport.TestServices;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A schema of its own on the shared test PostgreSQL, with a pool into that database: tests create their
 * tables in the schema, and {@link #close()} drops it with everything in it, so nothing else is touched.
 */
final class TestDatabase implements AutoCloseable {

  private final String schema;
  private final HikariDataSource dataSource;

  private TestDatabase(String schema, HikariDataSource dataSource) {
    this.schema = schema;
    this.dataSource = dataSource;
  }

  static TestDatabase create() {
    String schema = "otto_idem_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    HikariDataSource dataSource = pool(TestServices.postgres(), 8);
    TestDatabase database = new TestDatabase(schema, dataSource);
    database.execute("CREATE SCHEMA " + schema);
    return database;
  }

  static HikariDataSource pool(PostgresEndpoint postgres, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.username());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(size);
    config.setConnectionTimeout(10_000);
    config.setPoolName("otto-idempotency-test");
    return new HikariDataSource(config);
  }

  /** The schema's name, a valid identifier: {@code otto_idem_test_} and 16 hex digits. */
  String schema() {
    return schema;
  }

  HikariDataSource dataSource() {
    return dataSource;
  }

  void execute(String sql) {
    try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("test SQL failed: " + sql, e);
    }
  }

  @Override
  public void close() {
    try {
      execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    } finally {
      dataSource.close();
    }
  }
}
