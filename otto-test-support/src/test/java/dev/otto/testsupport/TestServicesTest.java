package dev.otto.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** Runs against whatever this machine provides: the environment, Docker, or the local servers. */
class TestServicesTest {

    @Test
    void resolvesARedisThatAnswersPing() throws Exception {
        RedisEndpoint redis = TestServices.redis();

        assertThat(RawRedis.ping(redis.host(), redis.port(), 2_000)).isEqualTo("+PONG");
        assertThat(redis.uri()).isEqualTo("redis://" + redis.host() + ":" + redis.port());
    }

    @Test
    void resolvesAPostgresThatRunsSelectOne() throws Exception {
        PostgresEndpoint postgres = TestServices.postgres();

        try (Connection connection = DriverManager.getConnection(
                postgres.jdbcUrl(), postgres.username(), postgres.password());
             Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("select 1")) {
            assertThat(result.next()).isTrue();
            assertThat(result.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void resolvesEachServiceOncePerJvm() {
        assertThat(TestServices.redis()).isSameAs(TestServices.redis());
        assertThat(TestServices.postgres()).isSameAs(TestServices.postgres());
    }
}
