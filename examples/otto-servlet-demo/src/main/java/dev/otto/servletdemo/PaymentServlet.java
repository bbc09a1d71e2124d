package dev.otto.servletdemo;

import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ProblemResponseWriter;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * {@code POST /api/payments} with {@code {"amount": int, "currency": string}}: {@code 201
 * {"id": UUID, "amount": ..., "currency": ...}}, a new payment each time it runs. {@code GET
 * /api/payments/count}: {@code {"executions": N}}, how often the payment handler has run, to watch the
 * {@code IdempotencyFilter} in front of it replay instead of running again.
 *
 * <p>An invalid payment (malformed JSON, a missing or negative amount, a missing currency) is answered
 * {@code 400} here, by writing the problem, rather than by throwing an exception for the
 * {@code ProblemFilter}: the idempotency filter stores what the response carries when the handler returns
 * and releases the key when it throws, so only a problem written inside it is stored and replayed like
 * any other {@code 4xx}.
 */
final class PaymentServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private final transient DemoJson json;
  private final transient ProblemResponseWriter problems;
  private final AtomicLong executions = new AtomicLong();

  PaymentServlet(DemoJson json, ProblemResponseWriter problems) {
    this.json = json;
    this.problems = problems;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws ServletException, IOException {
    String pathInfo = request.getPathInfo();
    AllowedMethods allowed = pathInfo == null ? AllowedMethods.POST
        : "/count".equals(pathInfo) ? AllowedMethods.GET
        : null;
    if (allowed == null) {
      response.sendError(HttpServletResponse.SC_NOT_FOUND);
    } else if (allowed.admit(request, response, problems)) {
      super.service(request, response);
    }
  }

  /** {@code /count} only: {@link #service} sent every other path elsewhere. */
  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    json.write(response, HttpServletResponse.SC_OK, body -> {
      body.writeStartObject();
      body.writeNumberProperty("executions", executions.get());
      body.writeEndObject();
    });
  }

  /** {@code /api/payments} itself only: {@link #service} sent every other path elsewhere. */
  @Override
  protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
    executions.incrementAndGet();
    byte[] bytes = DemoJson.readBody(request.getInputStream());
    Payment payment = bytes == null ? null : parse(bytes);
    if (payment == null) {
      problems.write(request, response, Problem.builder(400)
          .detail("The body must be a JSON object {\"amount\": int, \"currency\": string} of at most "
              + DemoJson.MAX_BODY_BYTES + " bytes.")
          .build());
      return;
    }
    Problem invalid = validate(payment);
    if (invalid != null) {
      problems.write(request, response, invalid);
      return;
    }
    String id = UUID.randomUUID().toString();
    json.write(response, HttpServletResponse.SC_CREATED, body -> {
      body.writeStartObject();
      body.writeStringProperty("id", id);
      body.writeNumberProperty("amount", payment.amount());
      body.writeStringProperty("currency", payment.currency());
      body.writeEndObject();
    });
  }

  private record Payment(@Nullable Integer amount, @Nullable String currency) {}

  /** The payment in {@code body}, or {@code null} when it is not a JSON object of the expected shape. */
  private @Nullable Payment parse(byte[] body) {
    try (JsonParser parser = json.parser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Integer amount = null;
      String currency = null;
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("amount".equals(name)) {
          if (value != JsonToken.VALUE_NUMBER_INT) {
            return null;
          }
          amount = parser.getIntValue(); // out of int range: an InputCoercionException, caught below
        } else if ("currency".equals(name)) {
          if (value != JsonToken.VALUE_STRING) {
            return null;
          }
          currency = parser.getString();
        } else {
          parser.skipChildren();
        }
      }
      if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
        return null;
      }
      return new Payment(amount, currency);
    } catch (JacksonException malformed) {
      return null;
    }
  }

  private static @Nullable Problem validate(Payment payment) {
    Integer amount = payment.amount();
    String currency = payment.currency();
    if (amount != null && amount >= 0 && currency != null && !currency.isBlank()) {
      return null;
    }
    Problem.Builder problem = Problem.builder(400).detail("The payment is invalid.");
    if (amount == null) {
      problem.error("is required", "#/amount");
    } else if (amount < 0) {
      problem.error("must not be negative", "#/amount");
    }
    if (currency == null || currency.isBlank()) {
      problem.error("is required", "#/currency");
    }
    return problem.build();
  }
}
