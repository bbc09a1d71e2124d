package dev.otto.idempotency.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.IdempotencyStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The JDBC store keeps the contract every store keeps, on the shared test PostgreSQL, in a schema of its
 * own that it drops afterwards.
 */
class JdbcIdempotencyStoreContractTest extends IdempotencyStoreContract {

  private static TestDatabase database;
  private static JdbcIdempotencyStore store;

  @BeforeAll
  static void createTable() {
    database = TestDatabase.create();
    HikariDataSource dataSource = database.dataSource();
    store = JdbcIdempotencyStore.builder()
        .dataSource(dataSource)
        .tableName(database.schema() + ".otto_idempotency")
        .createTableIfMissing(true)
        .build();
  }

  @AfterAll
  static void dropSchema() {
    database.close();
  }

  @Override
  protected IdempotencyStore store() {
    return store;
  }
}
