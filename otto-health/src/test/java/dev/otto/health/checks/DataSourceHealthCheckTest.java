package dev.otto.health.checks;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.otto.health.CheckResult;
import dev.otto.health.CheckResult.Status;
import dev.otto.health.HealthCheck;
import dev.otto.health.Readiness;
import dev.otto.health.ReadinessAggregator;
import dev.otto.testsupport.PostgresEndpoint;
import dev.otto.testsupport.TestServices;
import dev.otto.testsupport.Waiting;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

class DataSourceHealthCheckTest {

  private static CheckResult probeOnce(HealthCheck check, Duration timeout) {
    try (ReadinessAggregator aggregator = ReadinessAggregator.builder()
        .defaultTimeout(timeout)
        .check(check)
        .build()) {
      aggregator.markStarted();
      Readiness readiness = aggregator.readiness();
      return readiness.components().get(check.name());
    }
  }

  private static PGSimpleDataSource plain(String host, int port) {
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setServerNames(new String[] {host});
    dataSource.setPortNumbers(new int[] {port});
    dataSource.setDatabaseName("test");
    dataSource.setUser("postgres");
    dataSource.setConnectTimeout(2);
    dataSource.setSocketTimeout(2);
    dataSource.setLoginTimeout(2);
    return dataSource;
  }

  @Test
  void isUpWithHikariPoolFiguresAgainstARealPostgres() {
    PostgresEndpoint postgres = TestServices.postgres();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(postgres.jdbcUrl());
    config.setUsername(postgres.username());
    config.setPassword(postgres.password());
    config.setMaximumPoolSize(2);
    config.setPoolName("otto-health-test");
    try (HikariDataSource pool = new HikariDataSource(config)) {
      CheckResult result = probeOnce(DataSourceHealthCheck.of("database", pool, true), Duration.ofSeconds(5));

      assertThat(result.status()).isEqualTo(Status.UP);
      assertThat(result.critical()).isTrue();
      assertThat(result.details()).containsOnlyKeys("active", "idle", "total", "waiting", "max");
      assertThat(result.details()).containsEntry("max", 2).containsEntry("waiting", 0);
      assertThat((Integer) result.details().get("total")).isBetween(1, 2);
      assertThat(pool.isClosed()).isFalse(); // the check never closes what it was given
    }
  }

  @Test
  void isUpWithoutDetailsForADataSourceThatIsNotHikari() {
    PostgresEndpoint postgres = TestServices.postgres();
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setURL(postgres.jdbcUrl());
    dataSource.setUser(postgres.username());
    dataSource.setPassword(postgres.password());

    CheckResult result = probeOnce(DataSourceHealthCheck.of("database", dataSource, true), Duration.ofSeconds(5));

    assertThat(result.status()).isEqualTo(Status.UP);
    assertThat(result.details()).isEmpty();
  }

  @Test
  void isDownWithASafeErrorWhenTheDatabaseRefusesConnections() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    DataSource refusing = plain("127.0.0.1", closedPort);

    CheckResult result = probeOnce(DataSourceHealthCheck.of("database", refusing, true), Duration.ofSeconds(5));

    assertThat(result.status()).isEqualTo(Status.DOWN);
    assertThat(result.error()).isEqualTo("cannot get a connection");
  }

  @Test
  void isDownWithinTheTimeoutWhenTheDatabaseNeverAnswers() throws IOException {
    // A listening socket that never accepts: the kernel completes the TCP handshake, nobody answers.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      DataSource hanging = plain("127.0.0.1", silent.getLocalPort());
      CheckResult[] result = new CheckResult[1];

      Duration took = Waiting.timed(() -> result[0] =
          probeOnce(DataSourceHealthCheck.of("database", hanging, true), Duration.ofMillis(300)));

      assertThat(took).isLessThan(Duration.ofSeconds(5));
      assertThat(result[0].status()).isEqualTo(Status.DOWN);
      assertThat(result[0].error()).isEqualTo("timed out after 300 ms");
    }
  }
}
