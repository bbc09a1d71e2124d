/**
 * Test services for Otto's own test suites, resolved in one place.
 */
@NullMarked
package dev.otto.testsupport;

import org.jspecify.annotations.NullMarked;
