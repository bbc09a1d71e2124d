/**
 * The HTTP side of health: {@link dev.otto.health.servlet.HealthEndpointsFilter} serves liveness
 * ({@code GET /health}), readiness ({@code GET /ready}) and worker heartbeats
 * ({@code POST /internal/worker/heartbeat}).
 */
@NullMarked
package dev.otto.health.servlet;

import org.jspecify.annotations.NullMarked;
