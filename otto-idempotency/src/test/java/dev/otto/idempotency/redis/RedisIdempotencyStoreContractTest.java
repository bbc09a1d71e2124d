package dev.otto.idempotency.redis;

import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.IdempotencyStoreContract;
import dev.otto.testsupport.TestServices;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Redis store keeps the contract every store keeps, on the shared test Redis, under a key prefix of its
 * own that it deletes afterwards (never a flush: others use that Redis too).
 */
class RedisIdempotencyStoreContractTest extends IdempotencyStoreContract {

  private static final String PREFIX = "otto:idem:contract:" + UUID.randomUUID() + ":";

  private static RedisIdempotencyStore store;

  @BeforeAll
  static void connect() {
    // A generous timeout: the contract is about semantics, on a machine that may be busy.
    store = RedisIdempotencyStore.builder()
        .uri(TestServices.redis().uri())
        .keyPrefix(PREFIX)
        .commandTimeout(Duration.ofSeconds(5))
        .build();
  }

  @AfterAll
  static void deleteKeysAndClose() {
    store.close();
    RedisClient client = RedisClient.create(TestServices.redis().uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> redis = connection.sync();
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(PREFIX + "*").limit(500));
        if (!page.getKeys().isEmpty()) {
          redis.unlink(page.getKeys().toArray(String[]::new));
        }
        cursor = page;
      } while (!cursor.isFinished());
    } finally {
      client.shutdown();
    }
  }

  @Override
  protected IdempotencyStore store() {
    return store;
  }
}
