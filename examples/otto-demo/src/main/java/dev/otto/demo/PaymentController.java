package dev.otto.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.otto.core.Component;
import dev.otto.core.ComponentSwitches;
import dev.otto.problem.Problem;
import dev.otto.problem.ProblemException;
import dev.otto.problem.servlet.ProblemResponseWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Payments, made exactly once per Idempotency-Key by the idempotency filter (application.properties,
 * otto.idempotency.routes.payments). The handler itself knows nothing about idempotency.
 */
@RestController
class PaymentController {

  /** Bounds the simulated work, so a request cannot park a server thread for long. */
  private static final long MAX_DELAY_MS = 30_000;

  private final AtomicLong executions = new AtomicLong();
  private final ObjectProvider<ProblemResponseWriter> problems;
  private final BooleanSupplier problemsEnabled;

  /** Otto's problem support may be switched off at start, and then there is no writer. */
  PaymentController(ObjectProvider<ProblemResponseWriter> problems, ComponentSwitches switches) {
    this.problems = problems;
    this.problemsEnabled = switches.get(Component.PROBLEM);
  }

  /**
   * The body in its JSON types: Jackson refuses to turn 1.5, 1e3, "5" or true into an amount, or "true"
   * into simulate_error, because of the spring.jackson settings in application.properties, and 5 into a
   * currency because of {@link JsonStringOnly}.
   */
  record PaymentRequest(
      @Nullable Long amount,
      @JsonDeserialize(using = JsonStringOnly.class) @Nullable String currency,
      @JsonProperty("delay_ms") @Nullable Long delayMs,
      @JsonProperty("simulate_error") @Nullable Boolean simulateError) {}

  /**
   * Reads only a JSON string. Jackson turns a number or a boolean into a string even when scalar coercion
   * is off, and the coercion config that would stop it applies to every string of every body, including
   * the actuator's {@code {"enabled": false}}, which Spring Boot reads as a map of strings.
   */
  static final class JsonStringOnly extends ValueDeserializer<String> {
    @Override
    public String deserialize(JsonParser parser, DeserializationContext context) {
      if (parser.hasToken(JsonToken.VALUE_STRING)) {
        return parser.getString();
      }
      return (String) context.handleUnexpectedToken(String.class, parser);
    }
  }

  @PostMapping(path = "/api/payments", consumes = MediaType.APPLICATION_JSON_VALUE)
  @ResponseStatus(HttpStatus.CREATED)
  Map<String, Object> pay(@RequestBody PaymentRequest payment) throws InterruptedException {
    executions.incrementAndGet();
    Long amount = payment.amount();
    String currency = payment.currency();
    if (amount == null || amount < 0 || currency == null || currency.isBlank()) {
      throw new ProblemException(invalid(amount, currency));
    }
    if (payment.delayMs() != null && payment.delayMs() > 0) {
      TimeUnit.MILLISECONDS.sleep(Math.min(payment.delayMs(), MAX_DELAY_MS));
    }
    if (Boolean.TRUE.equals(payment.simulateError())) {
      throw new IllegalStateException("simulated payment provider failure");
    }
    Map<String, Object> created = new LinkedHashMap<>();
    created.put("id", UUID.randomUUID().toString());
    created.put("amount", amount);
    created.put("currency", currency);
    return created;
  }

  @GetMapping("/api/payments/count")
  Map<String, Long> count() {
    return Map.of("executions", executions.get());
  }

  /**
   * A body that is JSON but has a member of the wrong type (a fraction, a string or a boolean for an
   * integer) or out of range: the same problem as a negative amount, naming the member, and like it
   * stored and replayed by the idempotency filter. Spring MVC finds this handler through the cause of its
   * HttpMessageNotReadableException; malformed JSON has neither cause and stays with Otto's handler.
   */
  @ExceptionHandler({MismatchedInputException.class, InputCoercionException.class})
  void wrongType(JacksonException mismatch, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    ProblemResponseWriter writer = problems.getIfAvailable();
    if (writer == null || !problemsEnabled.getAsBoolean()) {
      // Otto's problems switched off: the container answers, as for any other 400 without them.
      response.sendError(400);
      return;
    }
    List<JacksonException.Reference> path = mismatch.getPath();
    String member = path.isEmpty() ? null : path.get(0).getPropertyName();
    Problem.Builder problem = invalidPayment();
    if (member == null) {
      // The body itself is JSON of another kind, such as an array or a string.
      problem.error("must be a JSON object", "#");
    } else if (mismatch instanceof MismatchedInputException wrongType) {
      problem.error(expected(wrongType.getTargetType()), "#/" + member);
    } else {
      problem.error("is out of range", "#/" + member);
    }
    writer.write(request, response, problem.build());
  }

  private static String expected(@Nullable Class<?> type) {
    if (type == Long.class) {
      return "must be an integer";
    }
    if (type == String.class) {
      return "must be a string";
    }
    if (type == Boolean.class) {
      return "must be true or false";
    }
    return "has the wrong type";
  }

  private static Problem invalid(@Nullable Long amount, @Nullable String currency) {
    Problem.Builder problem = invalidPayment();
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

  /** The one problem for every invalid payment body; each caller adds what is wrong with which member. */
  private static Problem.Builder invalidPayment() {
    return Problem.builder(400).detail("The payment is invalid.");
  }
}
