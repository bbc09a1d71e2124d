/** Otto without Spring: the filters wired by hand into embedded Tomcat. */
@NullMarked
package dev.otto.servletdemo;

import org.jspecify.annotations.NullMarked;
