/**
 * Auto-configuration of RFC 9457 problem responses: the error filter, exception mappings, the Spring MVC
 * exception handler that answers in the same format, and the problem metric.
 */
@NullMarked
package dev.otto.spring.problem;

import org.jspecify.annotations.NullMarked;
