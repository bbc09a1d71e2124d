/**
 * Test services for Otto's own test suites, resolved in one place.
 *
 * <p>{@link dev.otto.testsupport.TestServices} answers "which Redis and which PostgreSQL do the tests run
 * against?" the same way in every module: an explicit environment variable, else Testcontainers when a
 * Docker engine answers, else the local servers on their default ports, else a failure that says how to
 * provide the service. {@link dev.otto.testsupport.RedisServerProcess} runs a private {@code redis-server}
 * that fault tests may kill, restart, pause and resume without disturbing anyone else.
 *
 * <pre>{@code
 * RedisEndpoint redis = TestServices.redis();
 * RedisClient client = RedisClient.create(redis.uri());
 *
 * try (RedisServerProcess server = RedisServerProcess.start()) {
 *     server.pause();   // accepts connections, never answers
 *     server.resume();
 *     server.kill();    // connection refused
 *     server.restart(); // same port again
 * }
 * }</pre>
 */
@NullMarked
package dev.otto.testsupport;

import org.jspecify.annotations.NullMarked;
