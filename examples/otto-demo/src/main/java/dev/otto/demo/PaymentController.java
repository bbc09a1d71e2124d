package dev.otto.demo;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.otto.problem.Problem;
import dev.otto.problem.ProblemException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Payments, made exactly once per Idempotency-Key by the idempotency filter (application.properties,
 * otto.idempotency.routes.payments). The handler itself knows nothing about idempotency.
 */
@RestController
class PaymentController {

  /** Bounds the simulated work, so a request cannot park a server thread for long. */
  private static final long MAX_DELAY_MS = 30_000;

  private final AtomicLong executions = new AtomicLong();

  record PaymentRequest(
      @Nullable Long amount,
      @Nullable String currency,
      @JsonProperty("delay_ms") @Nullable Long delayMs,
      @JsonProperty("simulate_error") @Nullable Boolean simulateError) {}

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

  private static Problem invalid(@Nullable Long amount, @Nullable String currency) {
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
