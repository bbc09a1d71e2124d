package dev.otto.servletdemo;

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

  GreetingServlet(DemoJson json) {
    this.json = json;
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
