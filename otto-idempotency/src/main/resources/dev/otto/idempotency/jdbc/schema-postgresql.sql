-- Otto idempotency records on PostgreSQL (11 or later), stored format 1.
--
-- Run it yourself (psql, Flyway, Liquibase), or let JdbcIdempotencyStore.builder().createTableIfMissing(true)
-- run it at start-up. The table name below is the default; for JdbcIdempotencyStore.builder().tableName(...)
-- the store substitutes the validated name (and derives the index name from it), so when you run this file
-- yourself with another name, replace otto_idempotency everywhere.
--
-- key          the record key (the filter stores a hex SHA-256 of principal, method, route and key)
-- fingerprint  the request fingerprint of the claim or completion
-- state        IN_PROGRESS while a request runs, COMPLETED once its response is stored
-- owner        the owner token of the claim; completing and releasing are fenced on it
-- lease_until  database time after which another request may take an IN_PROGRESS claim over
-- expires_at   database time after which the record counts as absent and cleanup may delete it
-- response     the stored response (dev.otto.idempotency.StoredResponseCodec, a versioned binary format)
-- created_at   when the current claim was made, for diagnostics
--
-- All times are the database's now(), never an application instance's clock.

CREATE TABLE IF NOT EXISTS otto_idempotency (
  key         text        PRIMARY KEY,
  fingerprint text        NOT NULL,
  state       text        NOT NULL CHECK (state IN ('IN_PROGRESS', 'COMPLETED')),
  owner       text,
  lease_until timestamptz,
  expires_at  timestamptz NOT NULL,
  response    bytea,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((state = 'IN_PROGRESS' AND owner IS NOT NULL AND lease_until IS NOT NULL)
      OR (state = 'COMPLETED' AND response IS NOT NULL))
);

-- Cleanup (JdbcIdempotencyStore.deleteExpired) finds expired rows through this index.
CREATE INDEX IF NOT EXISTS otto_idempotency_expires_at_idx ON otto_idempotency (expires_at);
