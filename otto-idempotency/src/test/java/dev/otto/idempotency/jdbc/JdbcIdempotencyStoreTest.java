package dev.otto.idempotency.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.IdempotencyStoreException;
import dev.otto.idempotency.StoredResponse;
import dev.otto.idempotency.StoredResponseCodec;
import dev.otto.testsupport.PostgresEndpoint;
import dev.otto.testsupport.TestServices;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What only the JDBC store promises, on the shared test PostgreSQL, in a schema of its own that it drops
 * afterwards.
 */
class JdbcIdempotencyStoreTest {

  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration TTL = Duration.ofMinutes(10);
  private static final StoredResponse RESPONSE = new StoredResponse(201, List.of(),
      "{\"id\":1}".getBytes(StandardCharsets.UTF_8));

  private static TestDatabase database;
  private static String table;
  private static JdbcIdempotencyStore store;

  @BeforeAll
  static void createTable() {
    database = TestDatabase.create();
    table = database.schema() + ".otto_idempotency";
    store = JdbcIdempotencyStore.builder().dataSource(database.dataSource()).tableName(table)
        .createTableIfMissing(true).lockTimeout(Duration.ofMillis(200)).build();
  }

  @AfterAll
  static void dropSchema() {
    database.close();
  }

  private static String owner() {
    return UUID.randomUUID().toString();
  }

  private static String key() {
    return "key-" + UUID.randomUUID();
  }

  @Test
  void createsTheTableAndItsIndexWhenAskedAndDoesNoHarmTheSecondTime() throws SQLException {
    String custom = database.schema() + ".created_twice";
    for (int i = 0; i < 2; i++) {
      JdbcIdempotencyStore.builder().dataSource(database.dataSource()).tableName(custom)
          .createTableIfMissing(true).build();
    }

    try (Connection connection = database.dataSource().getConnection();
        PreparedStatement indexes = connection.prepareStatement(
            "SELECT indexname FROM pg_indexes WHERE schemaname = ? AND tablename = 'created_twice' ORDER BY 1")) {
      indexes.setString(1, database.schema());
      try (ResultSet rows = indexes.executeQuery()) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getString(1)).isEqualTo("created_twice_expires_at_idx");
        assertThat(rows.next()).isTrue();
        assertThat(rows.getString(1)).isEqualTo("created_twice_pkey");
        assertThat(rows.next()).isFalse();
      }
    }
  }

  @Test
  void keepsItsRecordsInTheTableItWasGiven() throws SQLException {
    String custom = database.schema() + ".payments_idempotency";
    JdbcIdempotencyStore customStore = JdbcIdempotencyStore.builder().dataSource(database.dataSource())
        .tableName(custom).createTableIfMissing(true).build();
    String owner = owner();

    customStore.claim("custom-key", "fp", owner, LEASE, TTL);
    customStore.complete("custom-key", owner, RESPONSE, TTL);

    try (Connection connection = database.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(
            "SELECT key, fingerprint, state, owner, response FROM " + custom)) {
      assertThat(row.next()).isTrue();
      assertThat(row.getString("key")).isEqualTo("custom-key");
      assertThat(row.getString("state")).isEqualTo("COMPLETED");
      assertThat(row.getString("owner")).isEqualTo(owner);
      assertThat(row.getBytes("response")).isEqualTo(StoredResponseCodec.encode(RESPONSE));
      assertThat(row.next()).isFalse();
    }
    assertThat(store.find("custom-key")).isEmpty();
  }

  @Test
  void rejectsATableNameThatIsNotAPlainIdentifierNamingIt() {
    for (String bad : List.of("", "Otto", "1table", "otto-idempotency", "a.b.c", "x; DROP TABLE users",
        "\"quoted\"", "t".repeat(64))) {
      assertThatThrownBy(() -> JdbcIdempotencyStore.builder().tableName(bad))
          .as("table name %s", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("tableName must be a lower-case PostgreSQL identifier")
          .hasMessageEndingWith("'" + bad + "'");
    }
    assertThat(JdbcIdempotencyStore.builder().tableName("_t".repeat(31) + "x")).isNotNull();
  }

  @Test
  void explainsAMissingTable() {
    JdbcIdempotencyStore missing = JdbcIdempotencyStore.builder().dataSource(database.dataSource())
        .tableName(database.schema() + ".never_created").build();

    assertThatThrownBy(() -> missing.claim(key(), "fp", owner(), LEASE, TTL))
        .isInstanceOf(IdempotencyStoreException.class)
        .hasMessageContaining("never_created does not exist")
        .hasMessageContaining("createTableIfMissing(true)");
  }

  @Test
  void deletesOnlyExpiredRowsInBatches() throws SQLException {
    String custom = database.schema() + ".cleanup";
    JdbcIdempotencyStore cleaning = JdbcIdempotencyStore.builder().dataSource(database.dataSource())
        .tableName(custom).createTableIfMissing(true).cleanupBatchSize(3).build();
    for (int i = 0; i < 7; i++) {
      insertExpired(custom, "expired-" + i, i % 2 == 0);
    }
    String live = owner();
    cleaning.claim("live-claim", "fp", live, LEASE, TTL);
    cleaning.claim("live-completed", "fp", live, LEASE, TTL);
    cleaning.complete("live-completed", live, RESPONSE, TTL);
    // Its lease has passed but its time to live has not: still a record (another attempt may take it over).
    insertWithPassedLease(custom, "lease-passed");

    assertThat(cleaning.deleteExpired()).isEqualTo(7); // batches of 3, 3 and 1

    assertThat(keys(custom)).containsExactly("lease-passed", "live-claim", "live-completed");
    assertThat(cleaning.deleteExpired()).isZero();
  }

  @Test
  void failsInsteadOfWaitingWhenAnotherTransactionHoldsTheRow() throws SQLException {
    String key = key();
    String owner = owner();
    store.claim(key, "fp", owner, LEASE, TTL);

    try (Connection holder = database.dataSource().getConnection()) {
      holder.setAutoCommit(false);
      try (PreparedStatement lock = holder.prepareStatement("SELECT key FROM " + table + " WHERE key = ? FOR UPDATE")) {
        lock.setString(1, key);
        lock.executeQuery().close();
      }
      try {
        long started = System.nanoTime();
        assertThatThrownBy(() -> store.complete(key, owner, RESPONSE, TTL))
            .isInstanceOf(IdempotencyStoreException.class)
            .hasMessageStartingWith("Lock wait over lock_timeout PT0.2S in the idempotency complete");
        assertThatThrownBy(() -> store.release(key, owner))
            .isInstanceOf(IdempotencyStoreException.class)
            .hasMessageContaining("lock_timeout");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2 * 200 + 2_000));

        // A claim never locks a live row, so it answers at once even now.
        assertThat(store.claim(key, "fp", owner(), LEASE, TTL)).isInstanceOf(ClaimResult.InFlight.class);
      } finally {
        holder.rollback();
      }
    }
    assertThat(store.complete(key, owner, RESPONSE, TTL)).isTrue();
  }

  @Test
  void waitsForAnotherTransactionsUncommittedClaimOfTheSameKeyOnlyUpToTheLockTimeout() throws SQLException {
    String key = key();
    try (Connection other = database.dataSource().getConnection()) {
      other.setAutoCommit(false);
      try (PreparedStatement insert = other.prepareStatement("INSERT INTO " + table
          + " (key, fingerprint, state, owner, lease_until, expires_at)"
          + " VALUES (?, 'fp', 'IN_PROGRESS', 'other', now() + interval '1 minute', now() + interval '1 hour')")) {
        insert.setString(1, key);
        insert.executeUpdate();
      }
      try {
        // ON CONFLICT must wait to learn whether the other insert commits; a stuck one costs a 503, not a hang.
        assertThatThrownBy(() -> store.claim(key, "fp", owner(), LEASE, TTL))
            .isInstanceOf(IdempotencyStoreException.class)
            .hasMessageStartingWith("Lock wait over lock_timeout PT0.2S in the idempotency claim");
      } finally {
        other.commit();
      }
    }
    assertThat(store.claim(key, "fp", owner(), LEASE, TTL)).isInstanceOfSatisfying(ClaimResult.InFlight.class,
        inFlight -> assertThat(inFlight.fingerprint()).isEqualTo("fp"));
  }

  @Test
  void cancelsAStatementOverTheStatementTimeout() {
    String slow = database.schema() + ".slow";
    JdbcIdempotencyStore.builder().dataSource(database.dataSource()).tableName(slow).createTableIfMissing(true)
        .build();
    database.execute("CREATE FUNCTION " + database.schema() + ".sleep_first() RETURNS trigger LANGUAGE plpgsql"
        + " AS $$ BEGIN PERFORM pg_sleep(5); RETURN NEW; END $$");
    database.execute("CREATE TRIGGER sleep_first BEFORE INSERT ON " + slow
        + " FOR EACH ROW EXECUTE FUNCTION " + database.schema() + ".sleep_first()");
    JdbcIdempotencyStore impatient = JdbcIdempotencyStore.builder().dataSource(database.dataSource())
        .tableName(slow).statementTimeout(Duration.ofMillis(100)).lockTimeout(Duration.ofMillis(100)).build();

    assertThatThrownBy(() -> impatient.claim(key(), "fp", owner(), LEASE, TTL))
        .isInstanceOf(IdempotencyStoreException.class)
        .hasMessageStartingWith("Statement over statement_timeout PT0.1S (or cancelled) in the idempotency claim");
  }

  @Test
  void failsQuicklyWhenPostgresIsUnreachable() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:postgresql://127.0.0.1:1/test?connectTimeout=1");
    config.setUsername("postgres");
    config.setConnectionTimeout(250);
    config.setInitializationFailTimeout(-1); // the pool starts without a database, like an app during an outage
    try (HikariDataSource unreachable = new HikariDataSource(config)) {
      JdbcIdempotencyStore offline = JdbcIdempotencyStore.builder().dataSource(unreachable).build();

      long started = System.nanoTime();
      assertThatThrownBy(() -> offline.claim(key(), "fp", owner(), LEASE, TTL))
          .isInstanceOf(IdempotencyStoreException.class)
          .hasMessageStartingWith("Cannot reach PostgreSQL for the idempotency claim");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }
  }

  @Test
  void returnsPooledConnectionsAsItFoundThem() throws SQLException {
    PostgresEndpoint postgres = TestServices.postgres();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.username());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(1);
    try (HikariDataSource single = new HikariDataSource(config)) {
      JdbcIdempotencyStore onOneConnection = JdbcIdempotencyStore.builder().dataSource(single).tableName(table).build();
      String owner = owner();
      String key = key();
      onOneConnection.claim(key, "fp", owner, LEASE, TTL);
      onOneConnection.complete(key, owner, RESPONSE, TTL);

      try (Connection connection = single.getConnection(); Statement statement = connection.createStatement()) {
        assertThat(connection.getAutoCommit()).isTrue();
        assertThat(show(statement, "statement_timeout")).isEqualTo("0");
        assertThat(show(statement, "lock_timeout")).isEqualTo("0");
      }
    }
  }

  @Test
  void validatesItsSettingsNamingTheProblem() {
    assertThatThrownBy(() -> JdbcIdempotencyStore.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("dataSource");
    assertThatThrownBy(() -> JdbcIdempotencyStore.builder().statementTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("statementTimeout must be between 1 ms and 24 days: PT0S");
    assertThatThrownBy(() -> JdbcIdempotencyStore.builder().lockTimeout(Duration.ofNanos(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lockTimeout");
    assertThatThrownBy(() -> JdbcIdempotencyStore.builder().cleanupBatchSize(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("cleanupBatchSize must be between 1 and 100000: 0");
    assertThatThrownBy(() -> JdbcIdempotencyStore.builder().dataSource(database.dataSource())
        .statementTimeout(Duration.ofSeconds(1)).lockTimeout(Duration.ofSeconds(2)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("lockTimeout PT2S must not exceed statementTimeout PT1S");
    assertThatThrownBy(() -> store.claim("k", "fp", owner(), LEASE, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("ttl must be positive: PT-1S");
  }

  private static String show(Statement statement, String setting) throws SQLException {
    try (ResultSet row = statement.executeQuery("SHOW " + setting)) {
      row.next();
      return row.getString(1);
    }
  }

  private static void insertExpired(String table, String key, boolean completed) throws SQLException {
    try (Connection connection = database.dataSource().getConnection();
        PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
            + " (key, fingerprint, state, owner, lease_until, expires_at, response)"
            + " VALUES (?, 'fp', ?, 'o', ?, now() - interval '1 minute', ?)")) {
      insert.setString(1, key);
      insert.setString(2, completed ? "COMPLETED" : "IN_PROGRESS");
      insert.setObject(3, completed ? null : OffsetDateTime.now().minusHours(1));
      insert.setBytes(4, completed ? StoredResponseCodec.encode(RESPONSE) : null);
      insert.executeUpdate();
    }
  }

  private static void insertWithPassedLease(String table, String key) throws SQLException {
    try (Connection connection = database.dataSource().getConnection();
        PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table
            + " (key, fingerprint, state, owner, lease_until, expires_at)"
            + " VALUES (?, 'fp', 'IN_PROGRESS', 'o', now() - interval '1 minute', now() + interval '1 hour')")) {
      insert.setString(1, key);
      insert.executeUpdate();
    }
  }

  private static List<String> keys(String table) throws SQLException {
    try (Connection connection = database.dataSource().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT key FROM " + table + " ORDER BY key")) {
      List<String> keys = new ArrayList<>();
      while (rows.next()) {
        keys.add(rows.getString(1));
      }
      return keys;
    }
  }
}
