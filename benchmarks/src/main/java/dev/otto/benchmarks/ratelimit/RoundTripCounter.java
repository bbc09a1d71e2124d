package dev.otto.benchmarks.ratelimit;

import dev.otto.benchmarks.RunDirectory;
import dev.otto.benchmarks.SharedRedis;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import dev.otto.testsupport.RedisServerProcess;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.command.CommandListener;
import io.lettuce.core.event.command.CommandStartedEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;
import org.jspecify.annotations.Nullable;

/**
 * Counts the Redis commands each limiter needs per decision, on a hot key under contention and on spread
 * keys, as Redis itself sees them ({@code INFO commandstats}) and as the client sends them (a Lettuce
 * {@link CommandListener}).
 *
 * <p>Redis counts commands that a script runs ({@code GET}, {@code SET} inside {@code EVAL}) in
 * {@code commandstats} too, so the server's figure that matters is the number of script calls
 * ({@code evalsha} + {@code eval}, which only clients can issue); the client's figure is every command it
 * put on the wire, i.e. the round trips.
 *
 * <p>By default it starts a private {@code redis-server} on a free port (so nobody else's commands are
 * counted) and stops it by its process id at the end. {@code --url URL} counts on another Redis instead, for
 * example when no {@code redis-server} binary is installed; other clients then disturb the server-side
 * figures.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.otto.benchmarks.ratelimit.RoundTripCounter \
 *     [--decisions 16000] [--json target/roundtrips.json] [--url redis://…]
 * </pre>
 *
 * <p>Exits with status 1 when Otto needs anything but exactly one script call and one command per decision.
 */
public final class RoundTripCounter {

  private static final RateLimitPolicy POLICY =
      RateLimitPolicy.of("bench", RedisLimiterBenchmark.RATE_PER_SECOND, Duration.ofSeconds(1));

  private RoundTripCounter() {
  }

  /** One measured scenario. */
  record Count(
      String limiter, String keys, int threads, long decisions, long allowed,
      Map<String, Long> serverCalls, Map<String, Long> clientCommands,
      double scriptCallsPerDecision, double commandsPerDecision) {
  }

  /** The scenarios every limiter runs: a hot key alone and under contention, spread keys under load. */
  private record Scenario(String keys, int threads) {
  }

  private static final List<Scenario> SCENARIOS = List.of(
      new Scenario("hot", 1), new Scenario("hot", 16), new Scenario("spread", 16));

  /**
   * Runs the count.
   *
   * @param args {@code [--decisions N] [--json FILE] [--url REDIS_URI]}
   * @throws Exception when Redis cannot be reached or started
   */
  public static void main(String[] args) throws Exception {
    int decisions = 16_000;
    @Nullable Path json = null;
    @Nullable String url = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--decisions" -> decisions = Integer.parseInt(value(args, ++i));
        case "--json" -> json = Path.of(value(args, ++i));
        case "--url" -> url = value(args, ++i);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; use [--decisions N] [--json FILE] [--url REDIS_URI]");
      }
    }
    List<Count> counts;
    String where;
    if (url == null) {
      try (RedisServerProcess server = RedisServerProcess.start()) {
        where = "private redis-server pid " + server.pid() + " on " + server.uri();
        System.out.println("Counting on a " + where);
        counts = countAll(server.uri(), decisions);
      }
    } else {
      where = url + " (shared: other clients may add to the server-side counts)";
      System.out.println("Counting on " + where);
      counts = countAll(url, decisions);
    }
    print(counts);
    if (json != null) {
      Map<String, Object> document = new LinkedHashMap<>();
      document.put("redis", where);
      document.put("counts", counts);
      RunDirectory.writeFigures(json, document);
    }
    for (Count count : counts) {
      if (count.limiter().equals("otto")
          && (count.scriptCallsPerDecision() != 1.0 || count.commandsPerDecision() != 1.0)) {
        System.err.println("FAIL: Otto needed " + count.scriptCallsPerDecision() + " script calls and "
            + count.commandsPerDecision() + " commands per decision (" + count.keys() + ", " + count.threads()
            + " threads); it must be exactly 1");
        System.exit(1);
      }
    }
  }

  private static String value(String[] args, int index) {
    if (index >= args.length) {
      throw new IllegalArgumentException(args[index - 1] + " needs a value");
    }
    return args[index];
  }

  private static List<Count> countAll(String url, int decisions) throws Exception {
    String prefix = SharedRedis.uniquePrefix("round-trips");
    RedisClient admin = RedisClient.create(url);
    try (StatefulRedisConnection<String, String> adminConnection = admin.connect()) {
      List<Count> counts = new ArrayList<>();
      for (Scenario scenario : SCENARIOS) {
        counts.add(countOtto(url, prefix, scenario, decisions, adminConnection));
      }
      for (Scenario scenario : SCENARIOS) {
        counts.add(countBucket4j(url, prefix, scenario, decisions, adminConnection));
      }
      SharedRedis.deleteKeys(adminConnection.sync(), prefix);
      return counts;
    } finally {
      admin.shutdown();
    }
  }

  private static Count countOtto(String url, String prefix, Scenario scenario, int decisions,
      StatefulRedisConnection<String, String> admin) throws InterruptedException {
    RedisClient client = RedisClient.create(url);
    ClientCommands sent = new ClientCommands();
    client.addListener(sent);
    try (RedisRateLimiter otto = RedisRateLimiter.builder()
        .client(client)
        .keyPrefix(prefix + "otto:")
        .commandTimeout(RedisLimiterBenchmark.COMMAND_TIMEOUT)
        .build()) {
      String[] keys = userKeys(scenario);
      // Warm up: connect and load the script (a fresh Redis answers the first EVALSHA with NOSCRIPT).
      requireAllowed(() -> otto.tryAcquire(keys[0], POLICY).allowed());
      return measure("otto", scenario, decisions, admin, sent,
          index -> otto.tryAcquire(keys[index], POLICY).allowed());
    } finally {
      client.shutdown();
    }
  }

  private static Count countBucket4j(String url, String prefix, Scenario scenario, int decisions,
      StatefulRedisConnection<String, String> admin) throws InterruptedException {
    RedisClient client = RedisClient.create(url);
    ClientCommands sent = new ClientCommands();
    client.addListener(sent);
    try (StatefulRedisConnection<String, byte[]> connection =
        client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE))) {
      var proxyManager = Bucket4jLettuce.casBasedBuilder(connection)
          .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(1)))
          .build();
      BucketConfiguration configuration = BucketConfiguration.builder()
          .addLimit(Bandwidth.builder()
              .capacity(RedisLimiterBenchmark.RATE_PER_SECOND)
              .refillGreedy(RedisLimiterBenchmark.RATE_PER_SECOND, Duration.ofSeconds(1))
              .build())
          .build();
      String[] keys = userKeys(scenario);
      BucketProxy[] buckets = new BucketProxy[keys.length];
      for (int i = 0; i < keys.length; i++) {
        buckets[i] = proxyManager.builder().build(prefix + "bucket4j:" + keys[i], () -> configuration);
      }
      requireAllowed(() -> buckets[0].tryConsume(1));
      return measure("bucket4j", scenario, decisions, admin, sent, index -> buckets[index].tryConsume(1));
    } finally {
      client.shutdown();
    }
  }

  private static String[] userKeys(Scenario scenario) {
    int count = scenario.keys().equals("hot") ? 1 : RedisLimiterBenchmark.SPREAD_KEYS;
    String[] keys = new String[count];
    for (int i = 0; i < count; i++) {
      keys[i] = "user-" + i;
    }
    return keys;
  }

  private interface Decision {
    boolean allowed();
  }

  private static void requireAllowed(Decision decision) {
    if (!decision.allowed()) {
      throw new IllegalStateException("the first request was rejected; the benchmark's limit is wrong");
    }
  }

  private static Count measure(String limiter, Scenario scenario, int decisions,
      StatefulRedisConnection<String, String> admin, ClientCommands sent, IntPredicate decide)
      throws InterruptedException {
    int threads = scenario.threads();
    int keyCount = scenario.keys().equals("hot") ? 1 : RedisLimiterBenchmark.SPREAD_KEYS;
    int perThread = decisions / threads;
    long total = (long) perThread * threads;
    LongAdder allowed = new LongAdder();
    AtomicInteger failures = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);

    Map<String, Long> before = commandStats(admin);
    sent.reset();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        try {
          start.await();
          ThreadLocalRandom random = ThreadLocalRandom.current();
          for (int i = 0; i < perThread; i++) {
            if (decide.test(keyCount == 1 ? 0 : random.nextInt(keyCount))) {
              allowed.increment();
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          failures.incrementAndGet();
        } catch (RuntimeException e) {
          failures.incrementAndGet();
          e.printStackTrace();
        } finally {
          done.countDown();
        }
      }, "round-trips-" + limiter + "-" + t);
      worker.start();
    }
    start.countDown();
    done.await();
    Map<String, Long> clientCommands = sent.snapshot();
    Map<String, Long> after = commandStats(admin);
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " threads failed while counting " + limiter);
    }

    Map<String, Long> serverCalls = new TreeMap<>();
    after.forEach((command, calls) -> {
      long delta = calls - before.getOrDefault(command, 0L);
      // INFO is the counter's own command, not the limiter's.
      if (delta > 0 && !command.equals("info")) {
        serverCalls.put(command, delta);
      }
    });
    long scriptCalls = serverCalls.getOrDefault("evalsha", 0L) + serverCalls.getOrDefault("eval", 0L);
    long commands = clientCommands.values().stream().mapToLong(Long::longValue).sum();
    return new Count(limiter, scenario.keys(), threads, total, allowed.sum(), serverCalls, clientCommands,
        round((double) scriptCalls / total), round((double) commands / total));
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }

  /** {@code INFO commandstats} as command → calls (Redis's own line format, {@code cmdstat_get:calls=7,…}). */
  private static Map<String, Long> commandStats(StatefulRedisConnection<String, String> admin) {
    Map<String, Long> calls = new TreeMap<>();
    for (String line : admin.sync().info("commandstats").split("\r?\n")) {
      if (!line.startsWith("cmdstat_")) {
        continue;
      }
      int colon = line.indexOf(':');
      String command = line.substring("cmdstat_".length(), colon);
      for (String field : line.substring(colon + 1).split(",")) {
        if (field.startsWith("calls=")) {
          calls.put(command, Long.parseLong(field.substring("calls=".length())));
        }
      }
    }
    return calls;
  }

  private static void print(List<Count> counts) {
    System.out.println();
    System.out.printf(Locale.ROOT, "%-9s %-7s %7s %9s %8s %13s %15s  %s%n", "limiter", "keys", "threads",
        "decisions", "allowed", "script/dec.", "commands/dec.", "client commands; server calls (incl. in scripts)");
    for (Count count : counts) {
      System.out.printf(Locale.ROOT, "%-9s %-7s %7d %9d %8d %13.2f %15.2f  %s; %s%n", count.limiter(),
          count.keys(), count.threads(), count.decisions(), count.allowed(), count.scriptCallsPerDecision(),
          count.commandsPerDecision(), count.clientCommands(), count.serverCalls());
    }
  }

  /** Counts the commands a Lettuce client starts, by command type. */
  private static final class ClientCommands implements CommandListener {

    private final Map<String, LongAdder> started = new ConcurrentHashMap<>();

    @Override
    public void commandStarted(CommandStartedEvent event) {
      String type = event.getCommand().getType().toString().toLowerCase(Locale.ROOT);
      started.computeIfAbsent(type, ignored -> new LongAdder()).increment();
    }

    void reset() {
      started.clear();
    }

    Map<String, Long> snapshot() {
      Map<String, Long> counts = new TreeMap<>();
      started.forEach((type, adder) -> counts.put(type, adder.sum()));
      return counts;
    }
  }
}
