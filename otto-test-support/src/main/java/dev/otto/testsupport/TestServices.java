package dev.otto.testsupport;

import java.lang.System.Logger.Level;

/**
 * The Redis and PostgreSQL that Otto's tests run against, chosen the same way in every module.
 *
 * <p>For each service, the first of these that applies wins:
 * <ol>
 *   <li><b>Environment.</b> {@code OTTO_TEST_REDIS_URL} ({@code redis://host:port}, optionally
 *       {@code /0}); {@code OTTO_TEST_POSTGRES_URL} (a {@code jdbc:postgresql://} URL) with
 *       {@code OTTO_TEST_POSTGRES_USER} (default {@code postgres}) and {@code OTTO_TEST_POSTGRES_PASSWORD}
 *       (default empty). A blank variable counts as unset. A set variable must answer; there is no
 *       fallback from it.</li>
 *   <li><b>Testcontainers</b>, when a Docker engine answers: {@code redis:7.0} and {@code postgres:15}
 *       containers, started on first use and kept for the life of the JVM.</li>
 *   <li><b>Local servers</b>, when they answer: {@code redis://127.0.0.1:6379} and
 *       {@code jdbc:postgresql://127.0.0.1:5432/test} as {@code postgres} without password.</li>
 *   <li>Otherwise an {@link IllegalStateException} that lists what was tried and how to provide the
 *       service. Tests fail; they are never skipped.</li>
 * </ol>
 * The choice is logged once per service (System.Logger, level INFO).
 *
 * <pre>{@code
 * RedisEndpoint redis = TestServices.redis();
 * RedisClient client = RedisClient.create(redis.uri());
 *
 * PostgresEndpoint postgres = TestServices.postgres();
 * Connection connection = DriverManager.getConnection(
 *         postgres.jdbcUrl(), postgres.username(), postgres.password());
 * }</pre>
 *
 * <p>Thread-safe. Resolution happens once per JVM and service, on first call; concurrent first callers
 * wait for it. A failed resolution is remembered: every later call throws the same message at once.
 * Tests share these servers, so they must isolate their data (for example with unique key prefixes or
 * table names) rather than flush or drop everything.
 */
public final class TestServices {

    private static final System.Logger LOG = System.getLogger(TestServices.class.getName());

    private TestServices() {
    }

    /**
     * Returns the Redis for tests, resolving it on the first call.
     *
     * @return the endpoint; the server answered PING when it was resolved
     * @throws IllegalStateException if no Redis is available, with a message that says how to provide one
     */
    public static RedisEndpoint redis() {
        return Holder.REDIS.get();
    }

    /**
     * Returns the PostgreSQL for tests, resolving it on the first call.
     *
     * @return the endpoint; its database accepted the login and {@code select 1} when it was resolved
     * @throws IllegalStateException if no PostgreSQL is available, with a message that says how to provide
     *                               one
     */
    public static PostgresEndpoint postgres() {
        return Holder.POSTGRES.get();
    }

    /** Initialised on first use (class holder idiom), so merely loading TestServices probes nothing. */
    private static final class Holder {
        private static final ServiceResolver RESOLVER = new ServiceResolver(
                System.getenv(),
                TestcontainersServices::dockerAnswers,
                new TestcontainersServices(),
                ServiceProbes::redisAnswersPing,
                ServiceProbes::postgresRunsSelectOne);

        static final Lazy<RedisEndpoint> REDIS = new Lazy<>(() -> {
            ServiceResolver.Resolution<RedisEndpoint> chosen = RESOLVER.resolveRedis();
            LOG.log(Level.INFO, "Otto tests use Redis at {0}: {1}", chosen.endpoint().uri(), chosen.reason());
            return chosen.endpoint();
        });

        static final Lazy<PostgresEndpoint> POSTGRES = new Lazy<>(() -> {
            ServiceResolver.Resolution<PostgresEndpoint> chosen = RESOLVER.resolvePostgres();
            LOG.log(Level.INFO, "Otto tests use PostgreSQL at {0} as {1}: {2}", chosen.endpoint().jdbcUrl(),
                    chosen.endpoint().username(), chosen.reason());
            return chosen.endpoint();
        });
    }
}
