package dev.otto.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.servlet.IdempotencyFilter;
import dev.otto.idempotency.servlet.IdempotencyRule;
import dev.otto.testsupport.EmbeddedTomcat;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The filter on a PostgreSQL store that cannot answer (database down, or a key's row stuck behind another
 * transaction): requests get a 503 problem and the handler never runs.
 */
class JdbcStoreFaultTest {

  private static TestDatabase database;
  private static String table;
  private final AtomicInteger executions = new AtomicInteger();

  @BeforeAll
  static void createTable() {
    database = TestDatabase.create();
    table = database.schema() + ".otto_idempotency";
    JdbcIdempotencyStore.builder().dataSource(database.dataSource()).tableName(table).createTableIfMissing(true)
        .build();
  }

  @AfterAll
  static void dropSchema() {
    database.close();
  }

  @Test
  void answers503WithoutRunningTheHandlerWhenPostgresIsDown() throws Exception {
    // The driver's own data source, no pool: every request tries to connect and is refused (SQLState 08001).
    PGSimpleDataSource down = new PGSimpleDataSource();
    down.setURL("jdbc:postgresql://127.0.0.1:1/test");
    down.setUser("postgres");
    down.setConnectTimeout(1);
    try (EmbeddedTomcat server = server(JdbcIdempotencyStore.builder().dataSource(down).tableName(table).build())) {

      HttpResponse<String> response = pay(server, UUID.randomUUID().toString());

      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(response.body()).contains("idempotency-store-unavailable").doesNotContain("PostgreSQL");
      assertThat(executions).hasValue(0);
    }
  }

  @Test
  void answers503WithoutRunningTheHandlerWhileAnotherTransactionHoldsTheTableLocked() throws Exception {
    JdbcIdempotencyStore store = JdbcIdempotencyStore.builder().dataSource(database.dataSource()).tableName(table)
        .lockTimeout(Duration.ofMillis(200)).build();
    String key = UUID.randomUUID().toString();
    try (EmbeddedTomcat server = server(store); Connection other = database.dataSource().getConnection()) {
      HttpResponse<String> first = pay(server, key);
      assertThat(first.statusCode()).isEqualTo(201);
      // Another transaction locks the table, as a careless migration might, and stays open.
      other.setAutoCommit(false);
      try (PreparedStatement lockAll = other.prepareStatement("LOCK TABLE " + table + " IN EXCLUSIVE MODE")) {
        lockAll.execute();
      }
      try {
        HttpResponse<String> blocked = pay(server, UUID.randomUUID().toString());

        assertThat(blocked.statusCode()).isEqualTo(503);
        assertThat(executions).hasValue(1);
      } finally {
        other.rollback();
      }
      assertThat(pay(server, key).statusCode()).isEqualTo(201); // the replay
      assertThat(executions).hasValue(1);
    }
  }

  private EmbeddedTomcat server(IdempotencyStore store) {
    IdempotencyFilter filter = IdempotencyFilter.builder()
        .store(store)
        .rule(IdempotencyRule.builder().path("/api/payments").build())
        .build();
    return EmbeddedTomcat.builder()
        .filter("idempotency", filter)
        .servlet("/api/payments", (request, response) -> {
          executions.incrementAndGet();
          response.setStatus(201);
          response.setContentType("application/json");
          response.getWriter().write("{\"id\":1}");
        })
        .start();
  }

  private static HttpResponse<String> pay(EmbeddedTomcat server, String key) {
    return server.send(server.request("/api/payments")
        .header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":100}"))
        .build());
  }
}
