package dev.otto.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otto.testsupport.ServiceResolver.Source;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The precedence of the sources, with a fake environment, fake Docker and fake servers. */
class ServiceResolverTest {

    private static final RedisEndpoint CONTAINER_REDIS = new RedisEndpoint("docker-host", 32_768);
    private static final PostgresEndpoint CONTAINER_POSTGRES =
            new PostgresEndpoint("jdbc:postgresql://docker-host:32769/test", "postgres", "postgres");

    private final List<Object> probed = new ArrayList<>();
    private final AtomicInteger dockerProbes = new AtomicInteger();
    private final FakeContainers containers = new FakeContainers();

    @Test
    void environmentVariableWinsOverDockerAndTheLocalServer() {
        ServiceResolver resolver = resolver(Map.of(
                "OTTO_TEST_REDIS_URL", "redis://redis.example:6380",
                "OTTO_TEST_POSTGRES_URL", "jdbc:postgresql://pg.example:5433/otto",
                "OTTO_TEST_POSTGRES_USER", "otto",
                "OTTO_TEST_POSTGRES_PASSWORD", "secret"), docker(true), everythingAnswers());

        var redis = resolver.resolveRedis();
        var postgres = resolver.resolvePostgres();

        assertThat(redis.source()).isEqualTo(Source.ENVIRONMENT);
        assertThat(redis.endpoint()).isEqualTo(new RedisEndpoint("redis.example", 6380));
        assertThat(postgres.source()).isEqualTo(Source.ENVIRONMENT);
        assertThat(postgres.endpoint())
                .isEqualTo(new PostgresEndpoint("jdbc:postgresql://pg.example:5433/otto", "otto", "secret"));
        assertThat(dockerProbes).hasValue(0);
        assertThat(containers.started).isEmpty();
    }

    @Test
    void postgresUserDefaultsToPostgresAndPasswordToEmpty() {
        ServiceResolver resolver = resolver(Map.of("OTTO_TEST_POSTGRES_URL", "jdbc:postgresql://pg.example/otto"),
                docker(false), everythingAnswers());

        assertThat(resolver.resolvePostgres().endpoint())
                .isEqualTo(new PostgresEndpoint("jdbc:postgresql://pg.example/otto", "postgres", ""));
    }

    @Test
    void redisUrlMayNameDatabaseZeroAndDefaultsThePort() {
        assertThat(ServiceResolver.parseRedisUrl("redis://127.0.0.1:6379/0"))
                .isEqualTo(new RedisEndpoint("127.0.0.1", 6379));
        assertThat(ServiceResolver.parseRedisUrl("redis://redis.example"))
                .isEqualTo(new RedisEndpoint("redis.example", 6379));
    }

    @Test
    void refusesARedisUrlThatSelectsAnotherDatabaseInsteadOfIgnoringIt() {
        assertThatThrownBy(() -> ServiceResolver.parseRedisUrl("redis://127.0.0.1:6379/3"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OTTO_TEST_REDIS_URL")
                .hasMessageContaining("database '3'");
    }

    @Test
    void refusesMalformedUrlsNamingTheVariable() {
        assertThatThrownBy(() -> ServiceResolver.parseRedisUrl("http://127.0.0.1:6379"))
                .hasMessageContaining("OTTO_TEST_REDIS_URL must be a redis://host:port URL: 'http://127.0.0.1:6379'");
        ServiceResolver resolver = resolver(Map.of("OTTO_TEST_POSTGRES_URL", "postgres://127.0.0.1/test"),
                docker(true), everythingAnswers());
        assertThatThrownBy(resolver::resolvePostgres)
                .hasMessageContaining("OTTO_TEST_POSTGRES_URL must be a JDBC URL starting with jdbc:postgresql://");
    }

    @Test
    void aSetVariableThatDoesNotAnswerFailsInsteadOfFallingBack() {
        ServiceResolver resolver = resolver(Map.of("OTTO_TEST_REDIS_URL", "redis://127.0.0.1:1"), docker(true),
                nothingAnswers());

        assertThatThrownBy(resolver::resolveRedis)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OTTO_TEST_REDIS_URL=redis://127.0.0.1:1 is set, but that Redis does not"
                        + " answer PING")
                .hasMessageContaining("Connection refused");
        assertThat(containers.started).isEmpty();
    }

    @Test
    void blankVariableCountsAsUnset() {
        ServiceResolver resolver = resolver(Map.of("OTTO_TEST_REDIS_URL", "  "), docker(false), everythingAnswers());

        assertThat(resolver.resolveRedis().source()).isEqualTo(Source.LOCAL_SERVER);
    }

    @Test
    void dockerWinsOverTheLocalServerWhenNoVariableIsSet() {
        ServiceResolver resolver = resolver(Map.of(), docker(true), everythingAnswers());

        var redis = resolver.resolveRedis();
        var postgres = resolver.resolvePostgres();

        assertThat(redis.source()).isEqualTo(Source.TESTCONTAINERS);
        assertThat(redis.endpoint()).isEqualTo(CONTAINER_REDIS);
        assertThat(postgres.source()).isEqualTo(Source.TESTCONTAINERS);
        assertThat(postgres.endpoint()).isEqualTo(CONTAINER_POSTGRES);
        assertThat(probed).isEmpty();
    }

    @Test
    void dockerIsProbedOnceForBothServices() {
        ServiceResolver resolver = resolver(Map.of(), docker(false), everythingAnswers());

        resolver.resolveRedis();
        resolver.resolvePostgres();

        assertThat(dockerProbes).hasValue(1);
    }

    @Test
    void aContainerThatFailsToStartFailsWithTheVariableAsTheWayOut() {
        containers.failWith = new RuntimeException("pull access denied for redis");
        ServiceResolver resolver = resolver(Map.of(), docker(true), everythingAnswers());

        assertThatThrownBy(resolver::resolveRedis)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("starting the redis:7.0 container failed: pull access denied for redis")
                .hasMessageContaining("set OTTO_TEST_REDIS_URL=redis://host:port");
    }

    @Test
    void localServersAreUsedWhenNoVariableIsSetAndNoDockerAnswers() {
        ServiceResolver resolver = resolver(Map.of(), docker(false), everythingAnswers());

        var redis = resolver.resolveRedis();
        var postgres = resolver.resolvePostgres();

        assertThat(redis.source()).isEqualTo(Source.LOCAL_SERVER);
        assertThat(redis.endpoint()).isEqualTo(new RedisEndpoint("127.0.0.1", 6379));
        assertThat(postgres.source()).isEqualTo(Source.LOCAL_SERVER);
        assertThat(postgres.endpoint())
                .isEqualTo(new PostgresEndpoint("jdbc:postgresql://127.0.0.1:5432/test", "postgres", ""));
        assertThat(probed).containsExactly(redis.endpoint(), postgres.endpoint());
    }

    @Test
    void failsWithHowToProvideRedisWhenNothingIsAvailable() {
        ServiceResolver resolver = resolver(Map.of(), docker(false), nothingAnswers());

        assertThatThrownBy(resolver::resolveRedis)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("No Redis for Otto's tests")
                .hasMessageContaining("set OTTO_TEST_REDIS_URL=redis://host:port")
                .hasMessageContaining("start a Docker engine")
                .hasMessageContaining("redis-server --daemonize yes --bind 127.0.0.1 --port 6379")
                .hasMessageContaining("bash .ci/run")
                .hasMessageContaining("Connection refused");
    }

    @Test
    void failsWithHowToProvidePostgresWhenNothingIsAvailable() {
        ServiceResolver resolver = resolver(Map.of(), docker(false), nothingAnswers());

        assertThatThrownBy(resolver::resolvePostgres)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("No PostgreSQL for Otto's tests")
                .hasMessageContaining("set OTTO_TEST_POSTGRES_URL=jdbc:postgresql://host:port/database")
                .hasMessageContaining("pg_ctlcluster <version> main start")
                .hasMessageContaining("createdb -h 127.0.0.1 -U postgres test")
                .hasMessageContaining("bash .ci/run");
    }

    private ServiceResolver resolver(Map<String, String> environment, BooleanSupplier docker, boolean answers) {
        return new ServiceResolver(environment, docker, containers,
                endpoint -> probe(endpoint, answers),
                endpoint -> probe(endpoint, answers));
    }

    private void probe(Object endpoint, boolean answers) throws ConnectException {
        probed.add(endpoint);
        if (!answers) {
            throw new ConnectException("Connection refused");
        }
    }

    private BooleanSupplier docker(boolean answers) {
        return () -> {
            dockerProbes.incrementAndGet();
            return answers;
        };
    }

    private static boolean everythingAnswers() {
        return true;
    }

    private static boolean nothingAnswers() {
        return false;
    }

    private static final class FakeContainers implements ServiceResolver.Containers {
        final List<String> started = new ArrayList<>();
        RuntimeException failWith;

        @Override
        public RedisEndpoint startRedis() {
            start("redis");
            return CONTAINER_REDIS;
        }

        @Override
        public PostgresEndpoint startPostgres() {
            start("postgres");
            return CONTAINER_POSTGRES;
        }

        private void start(String name) {
            if (failWith != null) {
                throw failWith;
            }
            started.add(name);
        }

        @Override
        public String redisImage() {
            return "redis:7.0";
        }

        @Override
        public String postgresImage() {
            return "postgres:15";
        }
    }
}
