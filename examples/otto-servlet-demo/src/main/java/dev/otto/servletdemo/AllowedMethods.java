package dev.otto.servletdemo;

import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ProblemResponseWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/**
 * The methods one resource of the demo accepts, and its answer to any other: a {@code 405} problem with
 * the {@code Allow} header RFC 9110 requires, or to {@code OPTIONS} a {@code 200} with {@code Allow}.
 * {@code HttpServlet}'s own answers are per servlet, not per resource, and its {@code 405} has no
 * {@code Allow}, so the servlets take these from here. {@code HEAD} goes with {@code GET}.
 */
final class AllowedMethods {

  /** {@code GET} and {@code HEAD}. */
  static final AllowedMethods GET = new AllowedMethods(List.of("GET", "HEAD"));

  /** {@code GET}, {@code HEAD} and {@code POST}. */
  static final AllowedMethods GET_AND_POST = new AllowedMethods(List.of("GET", "HEAD", "POST"));

  /** {@code POST} only. */
  static final AllowedMethods POST = new AllowedMethods(List.of("POST"));

  private final List<String> methods;
  private final String allow;

  private AllowedMethods(List<String> methods) {
    this.methods = methods;
    // OPTIONS is answered here for every resource, so both answers list it.
    this.allow = String.join(", ", methods) + ", OPTIONS";
  }

  /**
   * Whether the servlet should handle the request: true for an allowed method (compared exactly, as HTTP
   * methods are case-sensitive); otherwise the request was answered here.
   */
  boolean admit(HttpServletRequest request, HttpServletResponse response, ProblemResponseWriter problems)
      throws IOException {
    String method = request.getMethod();
    if (methods.contains(method)) {
      return true;
    }
    if ("OPTIONS".equals(method)) {
      response.setHeader("Allow", allow);
      response.setStatus(HttpServletResponse.SC_OK);
    } else {
      refuse(request, response, problems);
    }
    return false;
  }

  /** Whether {@code method} is {@code GET} or {@code HEAD}, which a {@code GET} handler answers. */
  static boolean isGet(String method) {
    return "GET".equals(method) || "HEAD".equals(method);
  }

  /** Answers {@code 405} with {@code Allow} as a problem. */
  private void refuse(HttpServletRequest request, HttpServletResponse response, ProblemResponseWriter problems)
      throws IOException {
    response.setHeader("Allow", allow);
    problems.write(request, response, Problem.builder(405).detail("This endpoint accepts " + allow + ".").build());
  }
}
