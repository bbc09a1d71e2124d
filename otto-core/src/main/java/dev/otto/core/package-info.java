/**
 * Run-time component switches: one {@link dev.otto.core.ComponentSwitches} per application holds a
 * {@link dev.otto.core.ComponentSwitch} for every Otto component, which operators turn on and off (and
 * between enforcing and shadow mode) without a restart.
 *
 * <p>The filters never depend on this package: each takes a plain
 * {@link java.util.function.BooleanSupplier}, which a switch is.
 */
@NullMarked
package dev.otto.core;

import org.jspecify.annotations.NullMarked;
