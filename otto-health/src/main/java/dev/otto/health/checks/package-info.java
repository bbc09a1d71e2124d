/**
 * Built-in health checks: a {@link javax.sql.DataSource} (with HikariCP pool figures when the pool is
 * Hikari), a Redis {@code PING} (Lettuce or any asynchronous probe), and a registry of worker
 * heartbeats. HikariCP and Lettuce are optional dependencies: only the check that needs one touches it.
 */
@NullMarked
package dev.otto.health.checks;

import org.jspecify.annotations.NullMarked;
