package dev.otto.demo;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.MediaType;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Twilio webhook receiver. Twilio retries deliveries with the same I-Twilio-Idempotency-Token; the
 * idempotency filter (otto.idempotency.routes.twilio) replays the first answer instead of processing again.
 */
@RestController
class TwilioWebhookController {

  private final AtomicLong processed = new AtomicLong();

  @PostMapping(path = "/webhooks/twilio", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
  Map<String, Boolean> receive(@RequestParam MultiValueMap<String, String> form) {
    processed.incrementAndGet();
    return Map.of("received", true);
  }

  @GetMapping("/webhooks/twilio/count")
  Map<String, Long> count() {
    return Map.of("processed", processed.get());
  }
}
