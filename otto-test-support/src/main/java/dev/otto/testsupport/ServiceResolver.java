package dev.otto.testsupport;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Decides, in one place, which Redis and which PostgreSQL the tests use.
 *
 * <p>Precedence per service:
 * <ol>
 *   <li>the environment variable ({@value #REDIS_URL}, {@value #POSTGRES_URL}); it must answer, there is no
 *       fallback when it is set;</li>
 *   <li>Testcontainers, when a Docker engine answers;</li>
 *   <li>the local server ({@code 127.0.0.1:6379}, {@code jdbc:postgresql://127.0.0.1:5432/test} as
 *       {@code postgres}), when it answers;</li>
 *   <li>else an {@link IllegalStateException} that says how to provide the service. Never a skip.</li>
 * </ol>
 *
 * <p>Everything it touches is injected (environment, Docker probe, container starter, server probes), so
 * tests can check the precedence without a real environment. The Docker probe runs at most once per
 * resolver, shared by both services. Thread-safe.
 */
final class ServiceResolver {

    static final String REDIS_URL = "OTTO_TEST_REDIS_URL";
    static final String POSTGRES_URL = "OTTO_TEST_POSTGRES_URL";
    static final String POSTGRES_USER = "OTTO_TEST_POSTGRES_USER";
    static final String POSTGRES_PASSWORD = "OTTO_TEST_POSTGRES_PASSWORD";

    static final RedisEndpoint LOCAL_REDIS = new RedisEndpoint("127.0.0.1", 6379);
    static final PostgresEndpoint LOCAL_POSTGRES =
            new PostgresEndpoint("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");

    private static final String CI_HINT =
            "`bash .ci/run` (from the repository root) installs and starts the local Redis and PostgreSQL"
                    + " for you.";

    /** Where an endpoint came from. */
    enum Source { ENVIRONMENT, TESTCONTAINERS, LOCAL_SERVER }

    /** A chosen endpoint, its source and a sentence for the log. */
    record Resolution<T>(T endpoint, Source source, String reason) {
    }

    /** Checks that a server answers; throws with the reason when it does not. */
    @FunctionalInterface
    interface Probe<T> {
        void check(T endpoint) throws Exception;
    }

    /** Starts the services in containers; called only when a Docker engine answers. */
    interface Containers {
        RedisEndpoint startRedis();

        PostgresEndpoint startPostgres();

        /** The images, for messages. */
        String redisImage();

        String postgresImage();
    }

    private final Map<String, String> environment;
    private final Lazy<Boolean> dockerAnswers;
    private final Containers containers;
    private final Probe<RedisEndpoint> redisProbe;
    private final Probe<PostgresEndpoint> postgresProbe;

    ServiceResolver(Map<String, String> environment, BooleanSupplier dockerProbe, Containers containers,
                    Probe<RedisEndpoint> redisProbe, Probe<PostgresEndpoint> postgresProbe) {
        this.environment = Map.copyOf(environment);
        this.dockerAnswers = new Lazy<>(dockerProbe::getAsBoolean);
        this.containers = containers;
        this.redisProbe = redisProbe;
        this.postgresProbe = postgresProbe;
    }

    Resolution<RedisEndpoint> resolveRedis() {
        String url = setting(REDIS_URL);
        if (url != null) {
            RedisEndpoint endpoint = parseRedisUrl(url);
            requireAnswers(redisProbe, endpoint, REDIS_URL + "=" + url + " is set, but that Redis does not answer"
                    + " PING");
            return new Resolution<>(endpoint, Source.ENVIRONMENT, "from " + REDIS_URL);
        }
        if (dockerAnswers.get()) {
            try {
                return new Resolution<>(containers.startRedis(), Source.TESTCONTAINERS,
                        "Testcontainers " + containers.redisImage() + " (" + REDIS_URL + " is unset and a Docker"
                                + " engine answers)");
            } catch (RuntimeException e) {
                throw new IllegalStateException("A Docker engine answers, but starting the "
                        + containers.redisImage() + " container failed: " + e.getMessage() + "\nFix Docker, or set "
                        + REDIS_URL + "=redis://host:port to use a running Redis instead.", e);
            }
        }
        try {
            redisProbe.check(LOCAL_REDIS);
        } catch (Exception e) {
            throw new IllegalStateException(String.join("\n",
                    "No Redis for Otto's tests. Tried, in order:",
                    "  1. " + REDIS_URL + ": not set",
                    "  2. Testcontainers " + containers.redisImage() + ": no Docker engine answers",
                    "  3. local server " + LOCAL_REDIS.uri() + ": " + describe(e),
                    "Provide one of them:",
                    "  - set " + REDIS_URL + "=redis://host:port to use a running Redis (no password,"
                            + " database 0), or",
                    "  - start a Docker engine; Testcontainers then starts " + containers.redisImage() + ", or",
                    "  - start a local server: redis-server --daemonize yes --bind 127.0.0.1 --port 6379"
                            + " --save \"\" --appendonly no",
                    CI_HINT), e);
        }
        return new Resolution<>(LOCAL_REDIS, Source.LOCAL_SERVER,
                "local server (" + REDIS_URL + " is unset and no Docker engine answers)");
    }

    Resolution<PostgresEndpoint> resolvePostgres() {
        String url = setting(POSTGRES_URL);
        if (url != null) {
            PostgresEndpoint endpoint = parsePostgresUrl(url);
            requireAnswers(postgresProbe, endpoint, POSTGRES_URL + "=" + url + " is set, but logging in as '"
                    + endpoint.username() + "' (" + POSTGRES_USER + ", " + POSTGRES_PASSWORD + ") fails");
            return new Resolution<>(endpoint, Source.ENVIRONMENT, "from " + POSTGRES_URL);
        }
        if (dockerAnswers.get()) {
            try {
                return new Resolution<>(containers.startPostgres(), Source.TESTCONTAINERS,
                        "Testcontainers " + containers.postgresImage() + " (" + POSTGRES_URL + " is unset and a"
                                + " Docker engine answers)");
            } catch (RuntimeException e) {
                throw new IllegalStateException("A Docker engine answers, but starting the "
                        + containers.postgresImage() + " container failed: " + e.getMessage() + "\nFix Docker, or"
                        + " set " + POSTGRES_URL + "=jdbc:postgresql://host:port/database (with " + POSTGRES_USER
                        + " and " + POSTGRES_PASSWORD + ") to use a running PostgreSQL instead.", e);
            }
        }
        try {
            postgresProbe.check(LOCAL_POSTGRES);
        } catch (Exception e) {
            throw new IllegalStateException(String.join("\n",
                    "No PostgreSQL for Otto's tests. Tried, in order:",
                    "  1. " + POSTGRES_URL + ": not set",
                    "  2. Testcontainers " + containers.postgresImage() + ": no Docker engine answers",
                    "  3. local server " + LOCAL_POSTGRES.jdbcUrl() + " as user postgres without password: "
                            + describe(e),
                    "Provide one of them:",
                    "  - set " + POSTGRES_URL + "=jdbc:postgresql://host:port/database (user from "
                            + POSTGRES_USER + ", default postgres; password from " + POSTGRES_PASSWORD
                            + ", default empty), or",
                    "  - start a Docker engine; Testcontainers then starts " + containers.postgresImage() + ", or",
                    "  - start the local cluster: pg_ctlcluster <version> main start (versions: ls /etc/postgresql),"
                            + " allow user postgres from 127.0.0.1 in pg_hba.conf, and create the database:"
                            + " createdb -h 127.0.0.1 -U postgres test",
                    CI_HINT), e);
        }
        return new Resolution<>(LOCAL_POSTGRES, Source.LOCAL_SERVER,
                "local server (" + POSTGRES_URL + " is unset and no Docker engine answers)");
    }

    /** A set, non-blank variable; blank counts as unset so CI files can write {@code VAR=}. */
    private @Nullable String setting(String name) {
        String value = environment.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static <T> void requireAnswers(Probe<T> probe, T endpoint, String problem) {
        try {
            probe.check(endpoint);
        } catch (Exception e) {
            throw new IllegalStateException(problem + ": " + describe(e)
                    + "\nFix the variable, or unset it to use Docker or the local server.", e);
        }
    }

    static RedisEndpoint parseRedisUrl(String url) {
        String example = " Expected redis://host:port or redis://host:port/0, for example redis://127.0.0.1:6379.";
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(REDIS_URL + " is not a URI: '" + url + "'." + example, e);
        }
        if (!"redis".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalStateException(REDIS_URL + " must be a redis://host:port URL: '" + url + "'." + example);
        }
        if (uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null) {
            throw new IllegalStateException(REDIS_URL + " must not carry a user, password, query or fragment"
                    + " (Otto's tests use a Redis without password): '" + url + "'." + example);
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        // Tests talk to database 0 (RedisEndpoint has no database), so a URL that selects another database
        // is refused rather than silently pointed at database 0 of that server.
        if (!path.isEmpty() && !path.equals("/") && !path.equals("/0")) {
            throw new IllegalStateException(REDIS_URL + " selects database '" + path.substring(1) + "', but Otto's"
                    + " tests use database 0: '" + url + "'. Point it at a Redis whose database 0 the tests may"
                    + " use." + example);
        }
        return new RedisEndpoint(uri.getHost(), uri.getPort() == -1 ? 6379 : uri.getPort());
    }

    private PostgresEndpoint parsePostgresUrl(String url) {
        if (!url.startsWith("jdbc:postgresql://")) {
            throw new IllegalStateException(POSTGRES_URL + " must be a JDBC URL starting with jdbc:postgresql://,"
                    + " for example jdbc:postgresql://127.0.0.1:5432/test: '" + url + "'");
        }
        String user = setting(POSTGRES_USER);
        String password = environment.getOrDefault(POSTGRES_PASSWORD, "");
        return new PostgresEndpoint(url, user == null ? "postgres" : user, password);
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        return message == null || message.isBlank()
                ? e.getClass().getName()
                : e.getClass().getSimpleName() + ": " + message;
    }
}
