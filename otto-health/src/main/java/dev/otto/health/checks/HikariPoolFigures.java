package dev.otto.health.checks;

import com.zaxxer.hikari.HikariConfigMXBean;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Reads HikariCP's pool figures. The only class that refers to HikariCP: it is loaded only after
 * {@link DataSourceHealthCheck} found HikariCP on the class path.
 */
final class HikariPoolFigures {

  private HikariPoolFigures() {
  }

  /** Returns the pool figures, or {@code null} when the data source is not a running Hikari pool. */
  static @Nullable Map<String, Object> of(DataSource dataSource) {
    HikariDataSource hikari = unwrap(dataSource);
    if (hikari == null) {
      return null;
    }
    HikariPoolMXBean pool = hikari.getHikariPoolMXBean();
    if (pool == null) {
      return null; // not started yet
    }
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("active", pool.getActiveConnections());
    figures.put("idle", pool.getIdleConnections());
    figures.put("total", pool.getTotalConnections());
    figures.put("waiting", pool.getThreadsAwaitingConnection());
    HikariConfigMXBean config = hikari.getHikariConfigMXBean();
    if (config != null) {
      figures.put("max", config.getMaximumPoolSize());
    }
    return figures;
  }

  private static @Nullable HikariDataSource unwrap(DataSource dataSource) {
    if (dataSource instanceof HikariDataSource hikari) {
      return hikari;
    }
    try {
      return dataSource.isWrapperFor(HikariDataSource.class) ? dataSource.unwrap(HikariDataSource.class) : null;
    } catch (SQLException | RuntimeException notAWrapper) {
      return null;
    }
  }
}
