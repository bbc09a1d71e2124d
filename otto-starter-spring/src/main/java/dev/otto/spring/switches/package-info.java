/**
 * Run-time switches for every Otto component: one {@link dev.otto.core.ComponentSwitches} read by every
 * filter on each request, the Actuator endpoint {@code otto} that flips them, and optional steering from
 * OpenFeature flags.
 */
@NullMarked
package dev.otto.spring.switches;

import org.jspecify.annotations.NullMarked;
