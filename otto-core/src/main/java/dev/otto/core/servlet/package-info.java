/** Servlet pieces Otto's filters share: the path patterns their rules match. */
@NullMarked
package dev.otto.core.servlet;

import org.jspecify.annotations.NullMarked;
