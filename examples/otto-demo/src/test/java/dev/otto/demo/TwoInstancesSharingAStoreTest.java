package dev.otto.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.testsupport.PostgresEndpoint;
import dev.otto.testsupport.TestServices;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two demo instances sharing one idempotency store, as behind a load balancer: 200 concurrent identical
 * payments, alternating between the instances, run the handler exactly once; every other answer is 409
 * or a replay, never a 5xx. Real Redis and PostgreSQL.
 */
class TwoInstancesSharingAStoreTest {

  private static final int REQUESTS = 200;
  private static final JsonMapper json = JsonMapper.builder().build();

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  void redisStoreExecutesOncePerKeyAcrossInstances() throws Exception {
    exactlyOnceAcrossTwoInstances(
        Map.of(
            "otto.idempotency.store", "redis",
            "otto.redis.url", TestServices.redis().uri(),
            "otto.idempotency.redis.key-prefix", "otto:test:" + UUID.randomUUID() + ":",
            // The same budget the JDBC store has by default: 200 requests at once on a shared 2-core
            // machine can queue a claim past the 200 ms default, which answers a correct but unwanted 503.
            "otto.idempotency.redis.command-timeout", "2s"));
  }

  @Test
  void jdbcStoreExecutesOncePerKeyAcrossInstances() throws Exception {
    PostgresEndpoint postgres = TestServices.postgres();
    String table = "otto_idem_two_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try {
      exactlyOnceAcrossTwoInstances(
          Map.of(
              "otto.idempotency.store", "jdbc",
              "otto.idempotency.jdbc.table-name", table,
              "spring.datasource.url", postgres.jdbcUrl(),
              "spring.datasource.username", postgres.username(),
              "spring.datasource.password", postgres.password()));
    } finally {
      try (Connection connection =
              DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
          Statement statement = connection.createStatement()) {
        statement.execute("DROP TABLE IF EXISTS " + table);
      }
    }
  }

  private void exactlyOnceAcrossTwoInstances(Map<String, Object> store) throws Exception {
    try (ConfigurableApplicationContext first = start(store);
        ConfigurableApplicationContext second = start(store)) {
      List<Integer> ports = List.of(port(first), port(second));
      // As in production, the instances are warm (connection open, scripts loaded) before the storm.
      for (int port : ports) {
        assertThat(pay(port, "warm-" + UUID.randomUUID(), "{\"amount\": 1, \"currency\": \"EUR\"}").statusCode())
            .isEqualTo(201);
      }
      long before = executions(ports.get(0)) + executions(ports.get(1));
      String key = "two-" + UUID.randomUUID();
      String body = "{\"amount\": 42, \"currency\": \"EUR\", \"delay_ms\": 200}";

      List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        HttpRequest request =
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports.get(i % 2) + "/api/payments"))
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .timeout(Duration.ofSeconds(30))
                .POST(BodyPublishers.ofString(body))
                .build();
        responses.add(client.sendAsync(request, BodyHandlers.ofString()));
      }

      int created = 0;
      for (CompletableFuture<HttpResponse<String>> response : responses) {
        int status = response.get().statusCode();
        assertThat(status).isIn(201, 409);
        if (status == 201 && response.get().headers().firstValue("Idempotent-Replayed").isEmpty()) {
          created++;
        }
      }
      assertThat(created).as("responses that were not replays").isEqualTo(1);
      assertThat(executions(ports.get(0)) + executions(ports.get(1))).isEqualTo(before + 1);
    }
  }

  private static ConfigurableApplicationContext start(Map<String, Object> store) {
    return new SpringApplicationBuilder(OttoDemoApplication.class)
        .properties(store)
        .properties(Map.of("server.port", "0", "spring.main.banner-mode", "off"))
        .run();
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  private HttpResponse<String> pay(int port, String key, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/payments"))
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .POST(BodyPublishers.ofString(body))
            .build(),
        BodyHandlers.ofString());
  }

  private long executions(int port) throws Exception {
    HttpResponse<String> count =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/payments/count")).build(),
            BodyHandlers.ofString());
    return json.readTree(count.body()).get("executions").asLong();
  }
}
