package dev.otto.idempotency.jdbc;

import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.IdempotencyRecord;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.IdempotencyStoreException;
import dev.otto.idempotency.StoredResponse;
import dev.otto.idempotency.StoredResponseCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} in a PostgreSQL table, reached through any {@link DataSource} (a pool such
 * as HikariCP), so every instance that shares the database shares the records.
 *
 * <pre>{@code
 * JdbcIdempotencyStore store = JdbcIdempotencyStore.builder()
 *     .dataSource(hikariDataSource)
 *     .createTableIfMissing(true)
 *     .build();
 * // schedule the cleanup, for example daily:
 * int deleted = store.deleteExpired();
 * }</pre>
 *
 * <p><b>Table.</b> One row per key in the table of {@code schema-postgresql.sql} (next to this class in
 * the jar); run that file yourself or set {@link Builder#createTableIfMissing(boolean)}. Responses are
 * stored as {@link StoredResponseCodec} bytes. Expired rows count as absent at once and are deleted by
 * {@link #deleteExpired()}, which you schedule (the Spring starter does).
 *
 * <p><b>Transactions.</b> Every operation is one short transaction of its own, at READ COMMITTED, with
 * {@code SET LOCAL statement_timeout} and {@code lock_timeout}: settings that end with the transaction,
 * so pooled connections come back to the pool unchanged. A claim is {@code INSERT … ON CONFLICT DO
 * NOTHING}; when the key exists, a conditional {@code UPDATE} takes it over only if its lease has passed
 * or it has expired, and otherwise a plain {@code SELECT} reads it. No row lock is ever held while the
 * request's handler runs: the claim commits before the filter calls the handler. Completing and releasing
 * are single statements fenced on the owner token and state {@code IN_PROGRESS}, so a stale owner changes
 * nothing. All time comparisons use the database's {@code now()}, so instance clocks never matter.
 *
 * <p><b>Waiting.</b> PostgreSQL makes an {@code INSERT … ON CONFLICT} wait while another transaction's
 * uncommitted insert of the same key is in flight, and an {@code UPDATE} wait for a row another
 * transaction has locked. Otto's own transactions on a key last milliseconds, so such waits are brief; a
 * wait beyond the {@linkplain Builder#lockTimeout(Duration) lock timeout} means something else holds the
 * row (a long transaction, a manual {@code SELECT … FOR UPDATE}) and fails the operation with
 * {@link IdempotencyStoreException} instead of hanging; the filter then answers 503 without running the
 * handler, which is the safe answer when it cannot tell whether a duplicate is in flight.
 *
 * <p><b>Ownership.</b> The data source is the user's: the store borrows one connection per operation and
 * returns it at once, and never closes the data source.
 *
 * <p><b>Threading.</b> Thread-safe and stateless between calls; each call blocks its thread for its
 * transaction.
 *
 * <p><b>Failure.</b> Every operation throws {@link IdempotencyStoreException} when PostgreSQL cannot
 * answer: no connection (the pool's connection timeout bounds that wait, so keep it short, for example
 * 250 ms to 1 s; with HikariCP also lower {@code validationTimeout}, whose 5 s default check of an idle
 * connection is not capped by the connection timeout), a lock wait over the lock timeout ({@code 55P03}), a statement over the statement timeout
 * ({@code 57014}), a broken connection ({@code 08…}), a missing table, or data it cannot read. While
 * a statement runs, the connection's network timeout is the statement timeout plus one second, so even a
 * hung server or network cannot block a caller for much longer. Nothing is retried.
 */
public final class JdbcIdempotencyStore implements IdempotencyStore {

  /** Claim attempts when the row vanishes between statements (released or cleaned up concurrently). */
  private static final int CLAIM_ATTEMPTS = 3;

  private static final int MAX_KEY_LENGTH = 512;

  /** Beyond the statement timeout, the client-side guard against a hung server or network. */
  private static final Duration NETWORK_MARGIN = Duration.ofSeconds(1);

  private static final Executor DIRECT = Runnable::run;

  private final DataSource dataSource;
  private final TableSql sql;
  private final Duration statementTimeout;
  private final Duration lockTimeout;
  private final int networkTimeoutMillis;
  private final int cleanupBatchSize;
  private final String begin;

  private JdbcIdempotencyStore(Builder builder, DataSource dataSource) {
    this.dataSource = dataSource;
    this.sql = TableSql.of(builder.tableName);
    this.statementTimeout = builder.statementTimeout;
    this.lockTimeout = builder.lockTimeout;
    this.networkTimeoutMillis = Math.toIntExact(builder.statementTimeout.plus(NETWORK_MARGIN).toMillis());
    this.cleanupBatchSize = builder.cleanupBatchSize;
    // Numbers from validated Durations, not user text. One round trip: the driver sends the three together.
    this.begin = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED; SET LOCAL statement_timeout = "
        + builder.statementTimeout.toMillis() + "; SET LOCAL lock_timeout = " + builder.lockTimeout.toMillis();
  }

  /**
   * Starts a store. {@link Builder#dataSource(DataSource)} is required.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * {@inheritDoc}
   *
   * <p>One transaction, committed before returning: the timeouts, the insert, and when the key exists a
   * conditional takeover and then a read; three round trips for a new key, five for an existing one. No
   * row lock outlives it.
   *
   * @throws IllegalArgumentException when the key is empty or longer than 512 characters, or a duration is
   *     not positive
   */
  @Override
  public ClaimResult claim(String key, String fingerprint, String owner, Duration lease, Duration ttl) {
    requireKey(key);
    Objects.requireNonNull(fingerprint, "fingerprint");
    Objects.requireNonNull(owner, "owner");
    long leaseMillis = positiveMillis("lease", lease);
    // The record outlives the lease, so a late duplicate still finds it and a slow owner can still complete.
    long ttlMillis = Math.max(positiveMillis("ttl", ttl), leaseMillis);
    return inTransaction("claim", connection -> {
      for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        try (PreparedStatement insert = connection.prepareStatement(sql.insertClaim)) {
          insert.setString(1, key);
          insert.setString(2, fingerprint);
          insert.setString(3, owner);
          insert.setLong(4, leaseMillis);
          insert.setLong(5, ttlMillis);
          if (insert.executeUpdate() == 1) {
            return new ClaimResult.Claimed();
          }
        }
        try (PreparedStatement takeOver = connection.prepareStatement(sql.takeOver)) {
          takeOver.setString(1, fingerprint);
          takeOver.setString(2, owner);
          takeOver.setLong(3, leaseMillis);
          takeOver.setLong(4, ttlMillis);
          takeOver.setString(5, key);
          if (takeOver.executeUpdate() == 1) {
            return new ClaimResult.Claimed();
          }
        }
        try (PreparedStatement select = connection.prepareStatement(sql.selectForClaim)) {
          select.setString(1, key);
          try (ResultSet row = select.executeQuery()) {
            if (row.next()) {
              return existing(row);
            }
          }
        }
        // Released or cleaned up between the statements: READ COMMITTED lets the next insert see that.
      }
      throw new IdempotencyStoreException("The idempotency record in " + sql.table + " changed under "
          + CLAIM_ATTEMPTS + " claim attempts in a row; concurrent requests keep releasing the same key", null);
    });
  }

  private static ClaimResult existing(ResultSet row) throws SQLException {
    String fingerprint = row.getString(1);
    String state = row.getString(2);
    if (IdempotencyRecord.State.COMPLETED.name().equals(state)) {
      return new ClaimResult.Completed(fingerprint, StoredResponseCodec.decode(requireResponse(row.getBytes(3))));
    }
    return new ClaimResult.InFlight(fingerprint, Duration.ofMillis(Math.max(0, row.getLong(4))));
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code UPDATE … WHERE key = ? AND owner = ? AND state = 'IN_PROGRESS'} in its own transaction.
   *
   * @throws IllegalArgumentException when the key is empty or too long, or the ttl is not positive
   */
  @Override
  public boolean complete(String key, String owner, StoredResponse response, Duration ttl) {
    requireKey(key);
    Objects.requireNonNull(owner, "owner");
    byte[] encoded = StoredResponseCodec.encode(Objects.requireNonNull(response, "response"));
    long ttlMillis = positiveMillis("ttl", ttl);
    return inTransaction("complete", connection -> {
      try (PreparedStatement update = connection.prepareStatement(sql.complete)) {
        update.setBytes(1, encoded);
        update.setLong(2, ttlMillis);
        update.setString(3, key);
        update.setString(4, owner);
        return update.executeUpdate() == 1;
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code DELETE … WHERE key = ? AND owner = ? AND state = 'IN_PROGRESS'} in its own transaction.
   *
   * @throws IllegalArgumentException when the key is empty or too long
   */
  @Override
  public boolean release(String key, String owner) {
    requireKey(key);
    Objects.requireNonNull(owner, "owner");
    return inTransaction("release", connection -> {
      try (PreparedStatement delete = connection.prepareStatement(sql.release)) {
        delete.setString(1, key);
        delete.setString(2, owner);
        return delete.executeUpdate() == 1;
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>The record's {@code expiresAt} is its lease deadline while IN_PROGRESS (it may lie in the past when
   * the lease has passed and nobody took it over yet), and its expiry once COMPLETED, in database time.
   *
   * @throws IllegalArgumentException when the key is empty or too long
   */
  @Override
  public Optional<IdempotencyRecord> find(String key) {
    requireKey(key);
    return inTransaction("find", connection -> {
      try (PreparedStatement select = connection.prepareStatement(sql.find)) {
        select.setString(1, key);
        try (ResultSet row = select.executeQuery()) {
          if (!row.next()) {
            return Optional.empty();
          }
          IdempotencyRecord.State state = state(row.getString(2));
          boolean completed = state == IdempotencyRecord.State.COMPLETED;
          OffsetDateTime expires = row.getObject(completed ? 5 : 4, OffsetDateTime.class);
          StoredResponse response = completed ? StoredResponseCodec.decode(requireResponse(row.getBytes(6))) : null;
          return Optional.of(new IdempotencyRecord(key, row.getString(1), state, row.getString(3),
              expires.toInstant(), response));
        }
      }
    });
  }

  /**
   * Deletes expired records in batches of {@link Builder#cleanupBatchSize(int)}, each batch its own short
   * transaction, until a batch deletes fewer rows than the batch size. Rows that a concurrent claim is
   * working on are skipped ({@code FOR UPDATE SKIP LOCKED}), never waited for. Schedule it, for example
   * daily or hourly; it is safe to run on several instances at once.
   *
   * @return how many rows it deleted
   * @throws IdempotencyStoreException when PostgreSQL cannot answer; batches committed before stay deleted
   */
  public int deleteExpired() {
    int total = 0;
    while (true) {
      int deleted = inTransaction("cleanup", connection -> {
        try (PreparedStatement delete = connection.prepareStatement(sql.deleteExpiredBatch)) {
          delete.setInt(1, cleanupBatchSize);
          return delete.executeUpdate();
        }
      });
      total += deleted;
      if (deleted < cleanupBatchSize) {
        return total;
      }
    }
  }

  /** Runs the schema under a transaction-scoped advisory lock, so instances starting together do not race. */
  private void createTable() {
    inTransaction("table creation", connection -> {
      try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
        lock.setString(1, "otto-idempotency-schema:" + sql.table);
        lock.execute();
      }
      try (Statement statement = connection.createStatement()) {
        for (String ddl : sql.schemaStatements()) {
          statement.execute(ddl);
        }
      }
      return Boolean.TRUE;
    });
  }

  @Override
  public String toString() {
    return "JdbcIdempotencyStore[table=" + sql.table + ", statementTimeout=" + statementTimeout + ", lockTimeout="
        + lockTimeout + "]";
  }

  private <T> T inTransaction(String operation, Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      boolean autoCommit = connection.getAutoCommit();
      int networkTimeout = networkTimeout(connection);
      try {
        if (autoCommit) {
          connection.setAutoCommit(false);
        }
        try (Statement begin = connection.createStatement()) {
          begin.execute(this.begin);
        }
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollback(connection, e);
        throw e;
      } finally {
        restore(connection, autoCommit, networkTimeout);
      }
    } catch (SQLException e) {
      throw translate(operation, e);
    }
  }

  /** Sets the client-side guard and returns the previous value, or -1 when the driver has none. */
  private int networkTimeout(Connection connection) throws SQLException {
    try {
      int previous = connection.getNetworkTimeout();
      connection.setNetworkTimeout(DIRECT, networkTimeoutMillis);
      return previous;
    } catch (SQLFeatureNotSupportedException e) {
      return -1;
    }
  }

  private static void restore(Connection connection, boolean autoCommit, int networkTimeout) {
    try {
      if (networkTimeout >= 0 && !connection.isClosed()) {
        connection.setNetworkTimeout(DIRECT, networkTimeout);
      }
      if (autoCommit && !connection.isClosed()) {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      // A broken connection: the pool notices on return and discards it; the operation's outcome stands.
    }
  }

  private static void rollback(Connection connection, Exception failure) {
    try {
      if (!connection.isClosed()) {
        connection.rollback();
      }
    } catch (SQLException e) {
      failure.addSuppressed(e);
    }
  }

  private IdempotencyStoreException translate(String operation, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String what = "the idempotency " + operation + " on table " + sql.table;
    if (state.equals("55P03")) {
      return new IdempotencyStoreException("Lock wait over lock_timeout " + lockTimeout + " in " + what
          + ": another transaction holds a lock it needs (a long transaction on the record's row, SELECT … FOR"
          + " UPDATE, a table lock); whether a duplicate request is running cannot be told meanwhile", e);
    }
    if (state.equals("57014")) {
      return new IdempotencyStoreException("Statement over statement_timeout " + statementTimeout + " (or"
          + " cancelled) in " + what + "; PostgreSQL is overloaded or the table needs attention", e);
    }
    if (state.equals("42P01")) {
      return new IdempotencyStoreException("Table " + sql.table + " does not exist, needed for " + what
          + "; create it with schema-postgresql.sql from otto-idempotency or set createTableIfMissing(true)", e);
    }
    if (state.startsWith("08") || e instanceof SQLTransientConnectionException
        || e instanceof SQLNonTransientConnectionException) {
      // Connection errors carry no request data (unlike constraint errors), so their message helps.
      return new IdempotencyStoreException("Cannot reach PostgreSQL for " + what + ": " + e.getMessage(), e);
    }
    return new IdempotencyStoreException("PostgreSQL failed " + what + " (SQLState "
        + (state.isEmpty() ? "none" : state) + ", " + e.getClass().getSimpleName() + "; see the cause)", e);
  }

  private IdempotencyRecord.State state(@Nullable String stored) {
    try {
      return IdempotencyRecord.State.valueOf(Objects.requireNonNull(stored));
    } catch (RuntimeException e) {
      throw new IdempotencyStoreException("Unknown idempotency record state '" + stored + "' in " + sql.table, e);
    }
  }

  private static byte[] requireResponse(byte @Nullable [] response) {
    if (response == null) {
      throw new IdempotencyStoreException("A COMPLETED idempotency record has no response", null);
    }
    return response;
  }

  private static void requireKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException("key must have 1 to " + MAX_KEY_LENGTH + " characters: " + key.length());
    }
  }

  private static long positiveMillis(String name, Duration duration) {
    Objects.requireNonNull(duration, name);
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + duration);
    }
    // Rounded up: a sub-millisecond duration must not become zero.
    return Math.max(1, (duration.toNanos() + 999_999) / 1_000_000);
  }

  /** One operation's statements, inside the transaction {@link #inTransaction} opened. */
  @FunctionalInterface
  private interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Configures a {@link JdbcIdempotencyStore}. Setters validate at once and name the bad value. Not
   * thread-safe.
   */
  public static final class Builder {

    private @Nullable DataSource dataSource;
    private String tableName = TableSql.DEFAULT_TABLE;
    private boolean createTableIfMissing;
    private Duration statementTimeout = Duration.ofSeconds(2);
    private Duration lockTimeout = Duration.ofMillis(500);
    private int cleanupBatchSize = 1_000;

    private Builder() {
    }

    /**
     * Sets where the table lives. Required. The store never closes it.
     *
     * @param dataSource a PostgreSQL data source, ideally a pool with a short connection timeout
     * @return this builder
     */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /**
     * Sets the table. Default {@code otto_idempotency}. Its index is named after it
     * ({@code <table>_expires_at_idx}).
     *
     * @param tableName a lower-case unquoted identifier {@code [a-z_][a-z0-9_]{0,62}}, optionally qualified
     *     by an existing schema of the same form ({@code billing.otto_idempotency})
     * @return this builder
     * @throws IllegalArgumentException naming the value when it is not such an identifier
     */
    public Builder tableName(String tableName) {
      this.tableName = TableSql.validate(Objects.requireNonNull(tableName, "tableName"));
      return this;
    }

    /**
     * Sets whether {@link #build()} creates the table and its index when missing, by running
     * {@code schema-postgresql.sql} ({@code CREATE … IF NOT EXISTS}, so it is idempotent and safe on
     * several instances at once). Default {@code false}: create the table with your migrations. The schema
     * of a qualified name must exist.
     *
     * @param createTableIfMissing whether to create the table
     * @return this builder
     */
    public Builder createTableIfMissing(boolean createTableIfMissing) {
      this.createTableIfMissing = createTableIfMissing;
      return this;
    }

    /**
     * Sets the longest any statement of the store may run ({@code SET LOCAL statement_timeout}) before it
     * fails with {@link IdempotencyStoreException}. Default 2 s: Otto's statements take about a millisecond,
     * so only a sick database reaches it, while checkpoints and vacuum stalls of some hundred milliseconds
     * do not turn into 503s.
     *
     * @param statementTimeout 1 ms to 24 days
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder statementTimeout(Duration statementTimeout) {
      this.statementTimeout = millisBetween("statementTimeout", statementTimeout);
      return this;
    }

    /**
     * Sets the longest a statement may wait for a row lock ({@code SET LOCAL lock_timeout}) before it
     * fails with {@link IdempotencyStoreException}. Default 500 ms: Otto's own transactions hold a row for
     * milliseconds, so a longer wait means someone else holds it. At most the statement timeout.
     *
     * @param lockTimeout 1 ms to 24 days
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder lockTimeout(Duration lockTimeout) {
      this.lockTimeout = millisBetween("lockTimeout", lockTimeout);
      return this;
    }

    /**
     * Sets how many expired rows {@link JdbcIdempotencyStore#deleteExpired()} deletes per transaction.
     * Default 1000: short transactions that keep locks and WAL bursts small.
     *
     * @param cleanupBatchSize 1 to 100 000
     * @return this builder
     * @throws IllegalArgumentException when out of range
     */
    public Builder cleanupBatchSize(int cleanupBatchSize) {
      if (cleanupBatchSize < 1 || cleanupBatchSize > 100_000) {
        throw new IllegalArgumentException("cleanupBatchSize must be between 1 and 100000: " + cleanupBatchSize);
      }
      this.cleanupBatchSize = cleanupBatchSize;
      return this;
    }

    /**
     * Creates the store; with {@link #createTableIfMissing(boolean)} it first creates the table, which
     * needs the database.
     *
     * @return the store
     * @throws IllegalStateException when no data source was set, or the lock timeout exceeds the statement
     *     timeout
     * @throws IdempotencyStoreException when creating the table fails
     */
    public JdbcIdempotencyStore build() {
      if (dataSource == null) {
        throw new IllegalStateException("set dataSource(…) on JdbcIdempotencyStore.builder()");
      }
      if (lockTimeout.compareTo(statementTimeout) > 0) {
        throw new IllegalStateException("lockTimeout " + lockTimeout + " must not exceed statementTimeout "
            + statementTimeout + "; the statement would be cancelled before the lock wait ends");
      }
      JdbcIdempotencyStore store = new JdbcIdempotencyStore(this, dataSource);
      if (createTableIfMissing) {
        store.createTable();
      }
      return store;
    }

    private static Duration millisBetween(String name, Duration value) {
      Objects.requireNonNull(value, name);
      // PostgreSQL takes these settings as int milliseconds; below 1 ms would mean "no timeout" (0).
      if (value.compareTo(Duration.ofMillis(1)) < 0 || value.toMillis() > Integer.MAX_VALUE - 10_000) {
        throw new IllegalArgumentException(name + " must be between 1 ms and 24 days: " + value);
      }
      return value;
    }
  }
}
