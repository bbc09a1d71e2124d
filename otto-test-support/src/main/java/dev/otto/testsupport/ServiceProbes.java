package dev.otto.testsupport;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/**
 * The "does it answer?" checks {@link TestServices} runs before choosing a server.
 *
 * <p>Both are bounded by short timeouts, so a missing server costs seconds, not minutes. Stateless and
 * thread-safe.
 */
final class ServiceProbes {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private ServiceProbes() {
    }

    /**
     * Connects over TCP and requires {@code +PONG} to a RESP {@code PING}.
     *
     * @throws IOException if the connection is refused, times out, or the reply is not PONG
     */
    static void redisAnswersPing(RedisEndpoint endpoint) throws IOException {
        RedisWire.ping(endpoint.host(), endpoint.port(), TIMEOUT);
    }

    /**
     * Logs in over JDBC with short connect and login timeouts and runs {@code select 1}.
     *
     * @throws SQLException if the server is down, refuses the login or the database does not exist
     */
    static void postgresRunsSelectOne(PostgresEndpoint endpoint) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", endpoint.username());
        properties.setProperty("password", endpoint.password());
        // Per connection (not DriverManager.setLoginTimeout, which is JVM-wide), in seconds.
        String seconds = Long.toString(TIMEOUT.toSeconds());
        properties.setProperty("connectTimeout", seconds);
        properties.setProperty("loginTimeout", seconds);
        properties.setProperty("socketTimeout", Long.toString(TIMEOUT.toSeconds() * 2));
        try (Connection connection = DriverManager.getConnection(endpoint.jdbcUrl(), properties);
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("select 1")) {
            if (!result.next() || result.getInt(1) != 1) {
                throw new SQLException("select 1 on " + endpoint.jdbcUrl() + " did not return 1");
            }
        }
    }
}
