package dev.otto.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * CONTRACT.md: each component can be switched off at start. With all five off, the demo still starts and
 * serves its endpoints, with no trace header, no rate-limit headers and no idempotency key required.
 */
class StartupSwitchesTest {

  @Test
  void theDemoStartsAndServesWithEveryComponentOff() throws Exception {
    try (ConfigurableApplicationContext demo =
        new SpringApplicationBuilder(OttoDemoApplication.class)
            .properties(
                Map.of(
                    "server.port", "0",
                    "otto.ratelimit.enabled", "false",
                    "otto.idempotency.enabled", "false",
                    "otto.problem.enabled", "false",
                    "otto.trace.enabled", "false",
                    "otto.health.enabled", "false"))
            .run()) {
      int port = ((WebServerApplicationContext) demo).getWebServer().getPort();
      HttpClient client = HttpClient.newHttpClient();

      HttpResponse<String> greeting =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/greeting")).build(),
              BodyHandlers.ofString());
      HttpResponse<String> payment =
          client.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/payments"))
                  .header("Content-Type", "application/json")
                  .POST(BodyPublishers.ofString("{\"amount\": 1, \"currency\": \"EUR\"}"))
                  .build(),
              BodyHandlers.ofString());

      assertThat(greeting.statusCode()).isEqualTo(200);
      assertThat(greeting.headers().firstValue("X-Trace-Id")).isEmpty();
      assertThat(greeting.headers().firstValue("RateLimit")).isEmpty();
      assertThat(payment.statusCode()).isEqualTo(201);
    }
  }

  @Test
  void withTraceOffAtStartARequestTomcatRejectsIsAProblemWithoutATraceId() throws Exception {
    try (ConfigurableApplicationContext demo =
        new SpringApplicationBuilder(OttoDemoApplication.class)
            .properties(Map.of("server.port", "0", "otto.trace.enabled", "false"))
            .run()) {
      int port = ((WebServerApplicationContext) demo).getWebServer().getPort();

      String answer = RawHttp.malformedHeader(port);

      assertThat(answer).startsWith("HTTP/1.1 400");
      assertThat(answer).containsIgnoringCase("Content-Type: application/problem+json");
      assertThat(answer).doesNotContainPattern("(?i)X-Trace-Id:").doesNotContain("traceId");
    }
  }
}
