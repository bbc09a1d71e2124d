package dev.otto.idempotency.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SQL of one idempotency table, built once from a validated name. The table name is the only text
 * spliced into SQL, and only after {@link #validate(String)} accepted it; every value is a bind parameter.
 */
final class TableSql {

  static final String DEFAULT_TABLE = "otto_idempotency";

  private static final String SCHEMA_RESOURCE = "schema-postgresql.sql";
  private static final String DEFAULT_INDEX = DEFAULT_TABLE + "_expires_at_idx";
  private static final String IDENTIFIER = "[a-z_][a-z0-9_]{0,62}";
  private static final Pattern NAME = Pattern.compile("(?:" + IDENTIFIER + "\\.)?" + IDENTIFIER);

  /** Milliseconds as an interval: {@code ? * MILLIS}, with the bind value a long. */
  private static final String MILLIS = " * interval '1 millisecond'";

  private static final String COLUMNS = "fingerprint, state, owner, lease_until, expires_at, response";

  final String table;
  final String insertClaim;
  final String takeOver;
  final String selectForClaim;
  final String complete;
  final String release;
  final String find;
  final String deleteExpiredBatch;

  private TableSql(String table) {
    this.table = table;
    this.insertClaim = "INSERT INTO " + table + " (key, fingerprint, state, owner, lease_until, expires_at)"
        + " VALUES (?, ?, 'IN_PROGRESS', ?, now() + ?" + MILLIS + ", now() + ?" + MILLIS + ")"
        + " ON CONFLICT (key) DO NOTHING";
    // Only a row that is free to take (lease passed, or expired) matches, so a live row is never locked.
    this.takeOver = "UPDATE " + table + " SET fingerprint = ?, state = 'IN_PROGRESS', owner = ?,"
        + " lease_until = now() + ?" + MILLIS + ", expires_at = now() + ?" + MILLIS + ", response = NULL,"
        + " created_at = now()"
        + " WHERE key = ? AND ((state = 'IN_PROGRESS' AND lease_until <= now()) OR expires_at <= now())";
    this.selectForClaim = "SELECT fingerprint, state, response,"
        + " ceil(extract(epoch FROM (lease_until - now())) * 1000)::bigint AS lease_remaining_ms"
        + " FROM " + table + " WHERE key = ? AND expires_at > now()";
    this.complete = "UPDATE " + table + " SET state = 'COMPLETED', response = ?, lease_until = NULL,"
        + " expires_at = now() + ?" + MILLIS
        + " WHERE key = ? AND owner = ? AND state = 'IN_PROGRESS' AND expires_at > now()";
    this.release = "DELETE FROM " + table
        + " WHERE key = ? AND owner = ? AND state = 'IN_PROGRESS' AND expires_at > now()";
    this.find = "SELECT " + COLUMNS + " FROM " + table + " WHERE key = ? AND expires_at > now()";
    // SKIP LOCKED: cleanup never waits for, nor makes wait, a claim working on a row; the locked rows cannot
    // change between the subquery and the delete, and the repeated condition keeps that obvious.
    this.deleteExpiredBatch = "DELETE FROM " + table + " WHERE ctid = ANY(ARRAY(SELECT ctid FROM " + table
        + " WHERE expires_at <= now() LIMIT ? FOR UPDATE SKIP LOCKED)) AND expires_at <= now()";
  }

  /**
   * Returns the SQL for a table.
   *
   * @param table a name {@link #validate(String)} accepted
   */
  static TableSql of(String table) {
    return new TableSql(validate(table));
  }

  /**
   * Accepts {@code table} or {@code schema.table}, each part a lower-case unquoted PostgreSQL identifier.
   *
   * @throws IllegalArgumentException naming the value otherwise
   */
  static String validate(String table) {
    if (!NAME.matcher(table).matches()) {
      throw new IllegalArgumentException("tableName must be a lower-case PostgreSQL identifier matching "
          + IDENTIFIER + ", optionally qualified by a schema (my_schema.my_table): '" + table + "'");
    }
    return table;
  }

  /**
   * The statements of {@code schema-postgresql.sql} for this table: the default table and index names
   * replaced by this table's, comments dropped.
   */
  List<String> schemaStatements() {
    String bare = table.substring(table.indexOf('.') + 1);
    String script = readSchema();
    List<String> statements = new ArrayList<>();
    StringBuilder withoutComments = new StringBuilder();
    for (String line : script.split("\n", -1)) {
      int comment = line.indexOf("--");
      withoutComments.append(comment >= 0 ? line.substring(0, comment) : line).append('\n');
    }
    for (String statement : withoutComments.toString().split(";")) {
      String trimmed = statement.strip();
      if (trimmed.isEmpty()) {
        continue;
      }
      // The index first: its name contains the table's. \b keeps otto_idempotency_x from matching the table.
      trimmed = trimmed.replaceAll("\\b" + DEFAULT_INDEX + "\\b", Matcher.quoteReplacement(bare + "_expires_at_idx"));
      trimmed = trimmed.replaceAll("\\b" + DEFAULT_TABLE + "\\b", Matcher.quoteReplacement(table));
      statements.add(trimmed);
    }
    return statements;
  }

  private static String readSchema() {
    try (InputStream in = TableSql.class.getResourceAsStream(SCHEMA_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(SCHEMA_RESOURCE + " is missing next to " + TableSql.class.getName()
            + "; the otto-idempotency jar is incomplete");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + SCHEMA_RESOURCE, e);
    }
  }
}
