/**
 * Health: liveness that never touches a dependency, and readiness aggregated from checks that run in
 * parallel, each with its own timeout, cached so that probe storms cannot multiply load.
 *
 * <p>The API: a {@link dev.otto.health.HealthCheck} (name, critical or not, timeout, and a
 * {@link dev.otto.health.CheckAction}); the {@link dev.otto.health.ReadinessAggregator} that runs the
 * checks and answers with a {@link dev.otto.health.Readiness} of {@link dev.otto.health.CheckResult}s;
 * {@link dev.otto.health.HealthCheckException} for error texts meant to be shown; and
 * {@link dev.otto.health.HealthListener} to observe results. Built-in checks live in
 * {@code dev.otto.health.checks}, the HTTP endpoints in {@code dev.otto.health.servlet}, Micrometer
 * meters in {@code dev.otto.health.micrometer}.
 *
 * <pre>{@code
 * WorkerHeartbeats heartbeats = WorkerHeartbeats.create();
 * ReadinessAggregator readiness = ReadinessAggregator.builder()
 *     .check(DataSourceHealthCheck.of("database", dataSource, true))
 *     .check(RedisPingHealthCheck.of("redis", redisConnection, false))
 *     .check(heartbeats.healthCheck("workers", true))
 *     .build();
 * HealthEndpointsFilter endpoints = HealthEndpointsFilter.builder()
 *     .aggregator(readiness)
 *     .service("orders")
 *     .heartbeats(heartbeats)
 *     .build();
 * // register the filter, then, once the application serves:
 * readiness.markStarted();
 * }</pre>
 */
@NullMarked
package dev.otto.health;

import org.jspecify.annotations.NullMarked;
