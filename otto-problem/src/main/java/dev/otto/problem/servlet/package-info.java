/**
 * Problems on the Jakarta Servlet API: {@link dev.otto.problem.servlet.ProblemFilter} turns exceptions
 * and {@code sendError} calls into {@code application/problem+json} responses,
 * {@link dev.otto.problem.servlet.ExceptionMappings} decides which exception becomes which problem, and
 * {@link dev.otto.problem.servlet.ProblemResponseWriter} is the one place that writes a problem into a
 * response.
 */
@NullMarked
package dev.otto.problem.servlet;

import org.jspecify.annotations.NullMarked;
