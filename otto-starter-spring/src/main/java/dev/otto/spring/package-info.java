/**
 * Spring Boot auto-configuration for Otto. Every component sits behind {@code otto.<component>.enabled}
 * (default {@code true}) and every bean it creates backs off when the application defines its own.
 */
@NullMarked
package dev.otto.spring;

import org.jspecify.annotations.NullMarked;
