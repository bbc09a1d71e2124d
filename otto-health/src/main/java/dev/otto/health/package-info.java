/**
 * Health: liveness that never touches a dependency, and readiness aggregated from checks that run in
 * parallel, each with its own timeout, cached so that probe storms cannot multiply load.
 */
@NullMarked
package dev.otto.health;

import org.jspecify.annotations.NullMarked;
