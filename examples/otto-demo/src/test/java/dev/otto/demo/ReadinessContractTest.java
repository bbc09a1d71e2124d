package dev.otto.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code GET /ready} of {@code shared/CONTRACT.md} without Redis or a database: only the worker. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReadinessContractTest {

  private static final JsonMapper json = JsonMapper.builder().build();

  @LocalServerPort int port;

  @Test
  void readyAnswersInTheContractsShapeWithTheWorkersComponent() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
                BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode ready = json.readTree(response.body());
    assertThat(ready.get("ready").asBoolean()).isTrue();
    assertThat(ready.get("degraded").asBoolean()).isFalse();
    assertThat(ready.get("service").asString()).isEqualTo("otto-demo");
    assertThat(Instant.parse(ready.get("timestamp").asString())).isNotNull();
    assertThat(ready.get("duration_ms").isNumber()).isTrue();
    JsonNode workers = ready.get("components").get("workers");
    assertThat(workers.get("status").asString()).isEqualTo("UP");
    assertThat(workers.get("critical").asBoolean()).isTrue();
    assertThat(workers.get("duration_ms").isNumber()).isTrue();
    assertThat(ready.get("components").has("redis")).isFalse();
    assertThat(ready.get("components").has("database")).isFalse();
  }
}
