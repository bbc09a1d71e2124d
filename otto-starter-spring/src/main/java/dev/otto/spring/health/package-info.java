/**
 * Auto-configuration of liveness and readiness: {@code /health}, {@code /ready}, the worker heartbeat
 * endpoint, built-in checks for the application's DataSource and Redis, and the bridge to Actuator.
 */
@NullMarked
package dev.otto.spring.health;

import org.jspecify.annotations.NullMarked;
