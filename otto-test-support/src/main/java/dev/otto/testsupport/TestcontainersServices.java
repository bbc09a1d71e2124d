package dev.otto.testsupport;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Runs the test services in Testcontainers containers, used only when a Docker engine answers.
 *
 * <p>Each container is started by the first caller and then kept for the life of the JVM: it is never
 * stopped here; Testcontainers' reaper (Ryuk) removes it when the JVM exits. {@link TestServices} calls
 * each start method at most once. Not thread-safe on its own; {@link Lazy} serialises the calls.
 */
final class TestcontainersServices implements ServiceResolver.Containers {

    private static final String REDIS_IMAGE = "redis:7.0";
    // The major version of the local servers on Debian bookworm, so all three sources behave alike.
    private static final String POSTGRES_IMAGE = "postgres:15";

    /** Whether a Docker engine answers; false within about half a second when none runs. */
    static boolean dockerAnswers() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    @Override
    public RedisEndpoint startRedis() {
        GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE))
                .withExposedPorts(6379);
        redis.start();
        return new RedisEndpoint(redis.getHost(), redis.getMappedPort(6379));
    }

    @Override
    public PostgresEndpoint startPostgres() {
        PostgreSQLContainer postgres = new PostgreSQLContainer(DockerImageName.parse(POSTGRES_IMAGE))
                .withDatabaseName("test")
                .withUsername("postgres")
                .withPassword("postgres");
        postgres.start();
        return new PostgresEndpoint(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
    }

    @Override
    public String redisImage() {
        return REDIS_IMAGE;
    }

    @Override
    public String postgresImage() {
        return POSTGRES_IMAGE;
    }
}
