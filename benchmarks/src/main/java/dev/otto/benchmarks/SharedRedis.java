package dev.otto.benchmarks;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Redis that benchmarks run against, which other people use at the same time: where it is, a key prefix
 * of one's own, and how to remove exactly those keys afterwards. Nothing here ever flushes a database.
 *
 * <p>The address is, in this order, the system property {@code otto.redis.url}, the environment variable
 * {@code OTTO_REDIS_URL}, or {@value #DEFAULT_URL}.
 */
public final class SharedRedis {

  /** The shared Redis on this machine. */
  public static final String DEFAULT_URL = "redis://127.0.0.1:6379";

  private static final int SCAN_BATCH = 1_000;

  private SharedRedis() {
  }

  /**
   * Returns the Redis URI benchmarks use.
   *
   * @return {@code -Dotto.redis.url}, else {@code $OTTO_REDIS_URL}, else {@value #DEFAULT_URL}
   */
  public static String url() {
    String property = System.getProperty("otto.redis.url");
    if (property != null && !property.isBlank()) {
      return property;
    }
    String environment = System.getenv("OTTO_REDIS_URL");
    if (environment != null && !environment.isBlank()) {
      return environment;
    }
    return DEFAULT_URL;
  }

  /**
   * Returns a key prefix no other run uses, such as {@code otto-bench:redis-limiter:3f2a9c1d7e:}.
   *
   * @param benchmark a short name of the benchmark, without glob characters or braces
   * @return the prefix, ending with a colon
   */
  public static String uniquePrefix(String benchmark) {
    byte[] random = new byte[5];
    ThreadLocalRandom.current().nextBytes(random);
    return "otto-bench:" + benchmark + ':' + HexFormat.of().formatHex(random) + ':';
  }

  /**
   * Deletes every key that starts with {@code prefix} (SCAN, then UNLINK in batches) and nothing else.
   *
   * @param url the Redis URI
   * @param prefix the run's own prefix, at least 8 characters so it can never match everybody's keys
   * @return how many keys were deleted
   */
  public static long deleteKeys(String url, String prefix) {
    if (prefix.length() < 8) {
      throw new IllegalArgumentException("refusing to delete by a prefix this short: '" + prefix + "'");
    }
    RedisClient client = RedisClient.create(url);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      return deleteKeys(connection.sync(), prefix);
    } finally {
      client.shutdown();
    }
  }

  /**
   * Deletes every key that starts with {@code prefix} through a connection the caller owns.
   *
   * @param redis synchronous commands of an open connection
   * @param prefix the run's own prefix, at least 8 characters
   * @return how many keys were deleted
   */
  public static long deleteKeys(RedisCommands<String, String> redis, String prefix) {
    if (prefix.length() < 8) {
      throw new IllegalArgumentException("refusing to delete by a prefix this short: '" + prefix + "'");
    }
    ScanArgs match = ScanArgs.Builder.matches(globEscape(prefix) + "*").limit(SCAN_BATCH);
    long deleted = 0;
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = redis.scan(cursor, match);
      List<String> keys = page.getKeys();
      if (!keys.isEmpty()) {
        deleted += redis.unlink(keys.toArray(String[]::new));
      }
      cursor = page;
    } while (!cursor.isFinished());
    return deleted;
  }

  private static String globEscape(String literal) {
    StringBuilder escaped = new StringBuilder(literal.length() + 8);
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        escaped.append('\\');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }
}
