package dev.otto.demo;

import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The demo's own endpoints. */
@RestController
class DemoController {

  /**
   * Rate-limited by policy {@code greeting} (application.properties): 10 requests per 10 seconds per API
   * key, or per client IP without one.
   */
  @GetMapping("/api/greeting")
  Map<String, String> greeting() {
    return Map.of("message", "hello");
  }

  /**
   * Fails with a message no client may see; the problem filter answers with a bare 500 and logs the
   * exception once with the trace id.
   */
  @GetMapping("/api/boom")
  Map<String, String> boom() {
    throw new IllegalStateException("database password is hunter2 (a secret that must never leak)");
  }
}
