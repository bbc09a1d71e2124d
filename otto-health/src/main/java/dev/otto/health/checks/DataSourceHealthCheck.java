package dev.otto.health.checks;

import dev.otto.health.CheckAction;
import dev.otto.health.HealthCheck;
import dev.otto.health.HealthCheckException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A health check that borrows a connection from a {@link DataSource} and validates it with
 * {@link Connection#isValid(int)}.
 *
 * <pre>{@code
 * HealthCheck database = DataSourceHealthCheck.of("database", dataSource, true);
 * HealthCheck slower = DataSourceHealthCheck.of("reporting", reportingDataSource, false)
 *     .toBuilder().timeout(Duration.ofSeconds(3)).build();
 * }</pre>
 *
 * <p>{@code UP} when a connection was obtained and found valid within the check's timeout.
 * {@link Connection#isValid(int)} is given that timeout rounded up to whole seconds, as JDBC wants, so
 * under a {@link dev.otto.health.ReadinessAggregator} a validation that hangs shows as "timed out after
 * N ms" (the probe's deadline) before the driver gives up with "connection is not valid". When the data source is (or wraps) a HikariCP pool, the result's details
 * carry the pool figures {@code active}, {@code idle}, {@code total}, {@code waiting} (threads waiting
 * for a connection) and {@code max}; HikariCP is optional and only looked at when it is on the class
 * path. {@code DOWN} texts: "cannot get a connection", "connection is not valid"; the SQL exception is
 * logged, never shown.
 *
 * <p>Obtaining the connection is bounded by the data source's own settings (Hikari's
 * {@code connectionTimeout}, the driver's connect and login timeouts), not by the check: a run that
 * outlives its timeout is reported timed out while it finishes in the background, and no second run
 * starts meanwhile. The data source is the caller's: the check never closes it.
 */
public final class DataSourceHealthCheck {

  private static final Logger log = LoggerFactory.getLogger(DataSourceHealthCheck.class);
  private static final boolean HIKARI_PRESENT = isPresent("com.zaxxer.hikari.HikariDataSource");

  private DataSourceHealthCheck() {
  }

  /**
   * Returns a check of {@code dataSource} with the aggregator's default timeout.
   *
   * @param name the component name, for example {@code database}
   * @param dataSource the data source to borrow a connection from
   * @param critical whether a {@code DOWN} makes the service not ready
   * @throws IllegalArgumentException if {@code name} is not a valid check name
   */
  public static HealthCheck of(String name, DataSource dataSource, boolean critical) {
    return HealthCheck.of(name, critical, new Validation(
        Objects.requireNonNull(dataSource, "dataSource must not be null")));
  }

  private static boolean isPresent(String className) {
    try {
      Class.forName(className, false, DataSourceHealthCheck.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError absent) {
      return false;
    }
  }

  /** Validates one connection; reads the pool figures when the pool is Hikari. */
  private record Validation(DataSource dataSource) implements CheckAction {

    @Override
    public @Nullable Map<String, ?> run(Duration timeout) {
      int seconds = (int) Math.min(Integer.MAX_VALUE, Math.max(1, (timeout.toMillis() + 999) / 1000));
      try (Connection connection = borrow()) {
        boolean valid;
        try {
          valid = connection.isValid(seconds);
        } catch (SQLException e) {
          throw new HealthCheckException("connection is not valid", e);
        }
        if (!valid) {
          throw new HealthCheckException("connection is not valid");
        }
      } catch (SQLException closing) {
        // Only close() can get here, after a successful validation: the check has passed.
      }
      return HIKARI_PRESENT ? poolFigures() : null;
    }

    private @Nullable Map<String, ?> poolFigures() {
      try {
        return HikariPoolFigures.of(dataSource);
      } catch (RuntimeException | LinkageError e) {
        // Figures are extras: the connection is valid, so the check passes without them.
        log.debug("Cannot read the HikariCP pool figures of {}", dataSource, e);
        return null;
      }
    }

    private Connection borrow() {
      try {
        return dataSource.getConnection();
      } catch (SQLException e) {
        throw new HealthCheckException("cannot get a connection", e);
      }
    }

    @Override
    public String toString() {
      return "DataSourceHealthCheck[" + dataSource.getClass().getName() + "]";
    }
  }
}
