/** The Otto demo service: a small Spring Boot app that shows every Otto component at work. */
@NullMarked
package dev.otto.demo;

import org.jspecify.annotations.NullMarked;
