package dev.otto.servletdemo;

import dev.otto.problem.servlet.ProblemResponseWriter;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /api/greeting}: {@code 200 {"message":"hello"}}. It knows nothing about rate limiting; the
 * {@code RateLimitFilter} in front of it adds the header fields and answers the {@code 429}.
 */
final class GreetingServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private final transient DemoJson json;
  private final transient ProblemResponseWriter problems;

  GreetingServlet(DemoJson json, ProblemResponseWriter problems) {
    this.json = json;
    this.problems = problems;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    if (AllowedMethods.GET.admit(request, response, problems)) {
      super.service(request, response);
    }
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    json.write(response, HttpServletResponse.SC_OK, body -> {
      body.writeStartObject();
      body.writeStringProperty("message", "hello");
      body.writeEndObject();
    });
  }
}
