package dev.otto.benchmarks.memory;

import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.StoredResponse;
import dev.otto.idempotency.memory.MemoryIdempotencyStore;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.local.LocalRateLimiter;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Memory under a key flood: pushes distinct client keys through Otto's {@link LocalRateLimiter} and
 * {@link MemoryIdempotencyStore}, both built with {@code maximumKeys(100_000)}, in one JVM with a fixed heap,
 * and measures the heap they retain (used heap after two {@code System.gc()} calls, {@link MemoryMXBean}).
 *
 * <p>Scenarios, each on a fresh instance, one thread:
 * <ol>
 *   <li>limiter, 1,000,000 distinct keys ({@code tryAcquire} once per key, policy 10/s; keys look like IPv4
 *       addresses {@code 10.a.b.c}, 8 to 14 characters);
 *   <li>limiter, 10× as many keys (10,000,000): the retained heap must not grow with the number of keys;
 *   <li>idempotency store, 1,000,000 distinct keys: {@code claim} then {@code complete} each, as the filter does
 *       for a new request: a 64-hex-character store key and fingerprint (the filter's SHA-256 forms), a UUID
 *       owner, and a {@code 201} response with two headers and a 200-byte body.
 * </ol>
 * A checkpoint (full GC, used heap) every tenth of the keys shows the plateau; checkpoints are not timed.
 * Time per key is the wall time of the flood (key and value creation included) divided by the keys, and the
 * CPU time of the flooding thread likewise (less sensitive to a busy machine; Caffeine's maintenance on the
 * common pool is not in it).
 *
 * <p>Bound (stated before measuring, compressed oops, Latin-1 strings): a field-by-field estimate per held key,
 * allowed 1.5× plus {@value #FIXED_ALLOWANCE_BYTES} bytes fixed (Caffeine's buffers):
 * <ul>
 *   <li>limiter ≈ {@value #LIMITER_ESTIMATE} B: ConcurrentHashMap node and table slot (43), Caffeine
 *       size-bounded node (40), {@code StateKey} (24), the key string (≤ 56), {@code KeyState} (48), frequency
 *       sketch share (11);
 *   <li>store ≈ {@value #STORE_ESTIMATE_WITHOUT_BODY} B + the body array (16 + body bytes): map node and slot
 *       (43), Caffeine node with variable expiry (56), key and fingerprint strings (104 each), {@code Entry}
 *       (40), one {@code Instant} (24), {@code StoredResponse} (24), header list (24), two headers (48), the
 *       {@code Location} value (56), sketch share (11).
 * </ul>
 * The memory store bounds its completed records both by number and by estimated bytes ({@code maximumBytes},
 * left at its default of 64 MiB here). Its estimate for a record of this shape is about 870 bytes (200 fixed,
 * 40 a string plus one a character for the key, fingerprint and header names and values, and the body), above
 * 64 MiB / 100,000 = 671, so with the default 100,000 keys the byte bound evicts first and it holds about
 * 77,000 records; the budget, counted on maximumKeys, then has room to spare. Each claim weighs nothing while its lease runs (a running request's
 * claim is never evicted for size), but here it is completed at once. The worst case printed, maximumKeys ×
 * the filter's {@code maxStoredBody} (default 1 MiB), is what the key bound alone would allow; the byte bound
 * holds the estimate to 64 MiB.
 *
 * <p>Held key counts: the store's from its public {@code toString()} ({@code size~N}); the limiter's read
 * reflectively from its cache ({@code estimatedSize()}, for the report only: nothing is cleaned up through it).
 *
 * <p>Usage: {@code java -Xms512m -Xmx512m -XX:+UseParallelGC -cp ... dev.otto.benchmarks.memory.KeyFloodBenchmark
 * [--keys N] [--limiter-factor F] [--maximum-keys M] [--body-bytes B] [--markdown FILE]}. Exit status 0 when
 * every bound holds, 1 otherwise.
 */
public final class KeyFloodBenchmark {

  static final int LIMITER_ESTIMATE = 222;
  static final int STORE_ESTIMATE_WITHOUT_BODY = 534;
  static final double ALLOWANCE = 1.5;
  static final long FIXED_ALLOWANCE_BYTES = 2L * 1024 * 1024;
  /** The idempotency filter's default {@code maxStoredBody} (and the starter's {@code otto.idempotency.max-stored-body}). */
  static final long DEFAULT_MAX_STORED_BODY = 1024 * 1024;
  /** The retained heap after 10× the keys may exceed the 1× figure by at most this fraction plus 1 MiB. */
  static final double GROWTH_ALLOWANCE = 0.10;

  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final PrintStream OUT = System.out;

  private KeyFloodBenchmark() {
  }

  /** One flood's figures. */
  record Result(String name, long keys, long maximumKeys, long held, long before, long after, long peak,
      double nsPerKey, double cpuNsPerKey, long gcMillis, long gcCount, List<long[]> checkpoints, long budget, int estimatePerKey) {

    long retained() {
      return after - before;
    }

    long peakRetained() {
      return peak - before;
    }

    double bytesPerHeldKey() {
      return held > 0 ? (double) retained() / held : Double.NaN;
    }

    boolean withinBudget() {
      return retained() <= budget && peakRetained() <= budget;
    }
  }

  /** What one flood does per key. */
  private interface Flood {
    void key(long i);
  }

  public static void main(String[] args) throws IOException {
    long keys = 1_000_000;
    long factor = 10;
    long maximumKeys = 100_000;
    int bodyBytes = 200;
    @Nullable Path markdown = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--keys" -> keys = Long.parseLong(args[++i].replace("_", ""));
        case "--limiter-factor" -> factor = Long.parseLong(args[++i]);
        case "--maximum-keys" -> maximumKeys = Long.parseLong(args[++i].replace("_", ""));
        case "--body-bytes" -> bodyBytes = Integer.parseInt(args[++i]);
        case "--markdown" -> markdown = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
      }
    }
    if (keys * factor >= (1L << 24)) {
      throw new IllegalArgumentException("at most 16,777,215 limiter keys (10.a.b.c addresses)");
    }
    long maxHeap = MEMORY.getHeapMemoryUsage().getMax();
    OUT.printf(Locale.ROOT, "JVM %s %s, max heap %s, GC %s%n", System.getProperty("java.vm.name"),
        System.getProperty("java.vm.version"), mib(maxHeap), gcNames());

    warmUp(maximumKeys, bodyBytes);

    final long max = maximumKeys;
    final int body = bodyBytes;
    List<Result> results = new ArrayList<>();
    results.add(limiterFlood(keys, max));
    results.add(limiterFlood(keys * factor, max));
    results.add(storeFlood(keys, max, body));

    Result small = results.get(0);
    Result large = results.get(1);
    long growthLimit = (long) (small.retained() * (1 + GROWTH_ALLOWANCE)) + 1024 * 1024;
    boolean bounded = large.retained() <= growthLimit;
    boolean allWithin = results.stream().allMatch(Result::withinBudget);
    long worstHeapUsed = results.stream().mapToLong(Result::peak).max().orElse(0);

    String table = table(results, maxHeap, body, growthLimit, bounded, worstHeapUsed);
    OUT.println();
    OUT.println(table);
    if (markdown != null) {
      Files.writeString(markdown, table, StandardCharsets.UTF_8);
    }
    System.exit(allWithin && bounded ? 0 : 1);
  }

  private static void warmUp(long maximumKeys, int bodyBytes) {
    long start = System.nanoTime();
    LocalRateLimiter limiter = LocalRateLimiter.builder().maximumKeys(maximumKeys).build();
    RateLimitPolicy policy = RateLimitPolicy.of("api", 10, Duration.ofSeconds(1));
    for (long i = 0; i < 3 * maximumKeys; i++) {
      limiter.tryAcquire(ip(i), policy);
    }
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().maximumKeys(maximumKeys).build();
    byte[] body = body(bodyBytes);
    for (long i = 0; i < 3 * maximumKeys; i++) {
      storeOne(store, i, body);
    }
    OUT.printf(Locale.ROOT, "warm-up: %d keys through a throw-away limiter and store in %.1f s%n",
        3 * maximumKeys, (System.nanoTime() - start) / 1e9);
  }

  private static Result limiterFlood(long keys, long maximumKeys) {
    long before = usedAfterGc();
    LocalRateLimiter limiter = LocalRateLimiter.builder().maximumKeys(maximumKeys).build();
    RateLimitPolicy policy = RateLimitPolicy.of("api", 10, Duration.ofSeconds(1));
    Flood flood = i -> {
      if (!limiter.tryAcquire(ip(i), policy).allowed()) {
        throw new AssertionError("a fresh key was refused: " + ip(i));
      }
    };
    String name = "local limiter, " + grouped(keys) + " keys";
    Result result = run(name, keys, maximumKeys, before, flood, () -> limiterHeld(limiter),
        (long) (maximumKeys * LIMITER_ESTIMATE * ALLOWANCE) + FIXED_ALLOWANCE_BYTES, LIMITER_ESTIMATE);
    reachabilityFence(limiter);
    return result;
  }

  private static Result storeFlood(long keys, long maximumKeys, int bodyBytes) {
    long before = usedAfterGc();
    MemoryIdempotencyStore store = MemoryIdempotencyStore.builder().maximumKeys(maximumKeys).build();
    byte[] body = body(bodyBytes);
    int estimate = STORE_ESTIMATE_WITHOUT_BODY + align8(16 + bodyBytes);
    Flood flood = i -> storeOne(store, i, body);
    String name = "memory idempotency store, " + grouped(keys) + " keys";
    Result result = run(name, keys, maximumKeys, before, flood, () -> storeHeld(store),
        (long) (maximumKeys * estimate * ALLOWANCE) + FIXED_ALLOWANCE_BYTES, estimate);
    reachabilityFence(store);
    return result;
  }

  /** Claims and completes one new key, as the idempotency filter does for a first request. */
  private static void storeOne(MemoryIdempotencyStore store, long i, byte[] body) {
    String key = hex64(i);
    String owner = new UUID(ThreadLocalRandom.current().nextLong(), ThreadLocalRandom.current().nextLong())
        .toString();
    ClaimResult claim = store.claim(key, hex64(~i), owner, Duration.ofSeconds(30), Duration.ofHours(24));
    if (!(claim instanceof ClaimResult.Claimed)) {
      throw new AssertionError("a fresh key was not claimed: " + claim);
    }
    StoredResponse response = new StoredResponse(201, List.of(
        new StoredResponse.Header("Content-Type", "application/json"),
        new StoredResponse.Header("Location", "/orders/" + i)), body);
    if (!store.complete(key, owner, response, Duration.ofHours(24))) {
      throw new AssertionError("could not complete " + key);
    }
  }

  private static Result run(String name, long keys, long maximumKeys, long before, Flood flood,
      java.util.function.LongSupplier held, long budget, int estimate) {
    OUT.printf(Locale.ROOT, "%n== %s (maximumKeys %s), heap used before %s%n", name, grouped(maximumKeys),
        mib(before));
    long step = Math.max(1, keys / 10);
    long timed = 0;
    long cpu = 0;
    long gcMillis = 0;
    long gcCount = 0;
    long peak = before;
    List<long[]> checkpoints = new ArrayList<>();
    for (long from = 0; from < keys; from += step) {
      long to = Math.min(keys, from + step);
      long gcBefore = gcMillis();
      long gcCountBefore = gcCount();
      long cpuStart = THREADS.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      for (long i = from; i < to; i++) {
        flood.key(i);
      }
      timed += System.nanoTime() - start;
      cpu += THREADS.getCurrentThreadCpuTime() - cpuStart;
      gcMillis += gcMillis() - gcBefore;
      gcCount += gcCount() - gcCountBefore;
      long used = usedAfterGc();
      peak = Math.max(peak, used);
      checkpoints.add(new long[] {to, used});
      OUT.printf(Locale.ROOT, "  %,12d keys: %s used after GC (%s over the start), %.0f ns/key so far%n",
          to, mib(used), mib(used - before), (double) timed / to);
    }
    long after = usedAfterGc();
    long heldKeys = held.getAsLong();
    Result result = new Result(name, keys, maximumKeys, heldKeys, before, after, Math.max(peak, after),
        (double) timed / keys, (double) cpu / keys, gcMillis, gcCount, checkpoints, budget, estimate);
    OUT.printf(Locale.ROOT, "  retained %s for %s held keys = %.0f B/key (estimate %d B); budget %s: %s%n",
        mib(result.retained()), heldKeys < 0 ? "?" : grouped(heldKeys), result.bytesPerHeldKey(), estimate,
        mib(budget), result.withinBudget() ? "within" : "EXCEEDED");
    return result;
  }

  private static String table(List<Result> results, long maxHeap, int bodyBytes, long growthLimit,
      boolean bounded, long worstHeapUsed) {
    StringBuilder md = new StringBuilder();
    md.append("| scenario | distinct keys | maximumKeys | keys held at the end | retained heap after GC | ")
        .append("highest checkpoint (retained) | bytes per held key (estimate) | budget | time per key ")
        .append("(wall / CPU of the flood thread) | collections during the flood (time) |\n");
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Result r : results) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %.0f B (%d B) | %s | %.0f ns / %.0f ns | %d (%d ms) |%n",
          r.name(), grouped(r.keys()), grouped(r.maximumKeys()), r.held() < 0 ? "?" : grouped(r.held()),
          mib(r.retained()), mib(r.peakRetained()), r.bytesPerHeldKey(), r.estimatePerKey(), mib(r.budget()),
          r.nsPerKey(), r.cpuNsPerKey(), r.gcCount(), r.gcMillis()));
    }
    md.append('\n');
    md.append("Retained heap at each tenth of the flood (used heap after a full GC, minus the same before the ")
        .append("instance was created):\n\n");
    md.append("| scenario |");
    for (int i = 1; i <= 10; i++) {
      md.append(' ').append(i * 10).append(" % |");
    }
    md.append('\n').append("|---|");
    md.append("---:|".repeat(10)).append('\n');
    for (Result r : results) {
      md.append("| ").append(r.name()).append(" |");
      for (long[] c : r.checkpoints()) {
        md.append(' ').append(mib(c[1] - r.before())).append(" |");
      }
      md.append('\n');
    }
    Result store = results.get(2);
    double worstCase = (double) store.maximumKeys() * DEFAULT_MAX_STORED_BODY;
    md.append('\n');
    md.append("| check | measured | bound | verdict |\n|---|---:|---:|---|\n");
    for (Result r : results) {
      md.append(String.format(Locale.ROOT, "| %s: retained and highest checkpoint ≤ budget | %s / %s | %s | %s |%n",
          r.name(), mib(r.retained()), mib(r.peakRetained()), mib(r.budget()),
          r.withinBudget() ? "**PASS**" : "**FAIL**"));
    }
    md.append(String.format(Locale.ROOT,
        "| local limiter: retained after %s keys ≤ after %s keys × 1.1 + 1 MiB (does not grow with distinct keys) "
            + "| %s vs %s | %s | %s |%n",
        grouped(results.get(1).keys()), grouped(results.get(0).keys()), mib(results.get(1).retained()),
        mib(results.get(0).retained()), mib(growthLimit), bounded ? "**PASS**" : "**FAIL**"));
    md.append(String.format(Locale.ROOT, "| highest heap used after GC in the run ≤ max heap | %s | %s | %s |%n",
        mib(worstHeapUsed), mib(maxHeap), worstHeapUsed < maxHeap ? "**PASS**" : "**FAIL**"));
    md.append('\n');
    md.append(String.format(Locale.ROOT,
        "Memory store worst case: the bound counts records, not bytes. With the filter's default `maxStoredBody` "
            + "of 1 MiB, %s records may hold up to %s of bodies (%.0f× this %s heap); at %d-byte bodies they "
            + "hold %s. Size `maximumKeys` × `maxStoredBody` to the heap.%n",
        grouped(store.maximumKeys()), gib(worstCase), worstCase / maxHeap, mib(maxHeap), bodyBytes,
        mib(store.retained())));
    return md.toString();
  }

  // ---- measurement helpers ----

  /** Used heap after letting Caffeine's pending maintenance run and two full collections. */
  static long usedAfterGc() {
    ForkJoinPool.commonPool().awaitQuiescence(2, TimeUnit.SECONDS);
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return MEMORY.getHeapMemoryUsage().getUsed();
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  private static long gcCount() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionCount());
    }
    return total;
  }

  private static String gcNames() {
    List<String> names = new ArrayList<>();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      names.add(gc.getName());
    }
    return String.join(" + ", names);
  }

  private static long limiterHeld(LocalRateLimiter limiter) {
    try {
      Field states = LocalRateLimiter.class.getDeclaredField("states");
      states.setAccessible(true);
      return ((com.github.benmanes.caffeine.cache.Cache<?, ?>) states.get(limiter)).estimatedSize();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return -1;
    }
  }

  private static final Pattern SIZE = Pattern.compile("size~(\\d+)");

  private static long storeHeld(MemoryIdempotencyStore store) {
    Matcher m = SIZE.matcher(store.toString());
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static void reachabilityFence(Object o) {
    java.lang.ref.Reference.reachabilityFence(o);
  }

  // ---- key and value factories ----

  /** A distinct IPv4-looking client key for i below 2^24: {@code 10.a.b.c}. */
  static String ip(long i) {
    return "10." + ((i >>> 16) & 255) + "." + ((i >>> 8) & 255) + "." + (i & 255);
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

  /** 64 lowercase hex characters derived from i (the shape of the filter's SHA-256 store keys and fingerprints). */
  static String hex64(long i) {
    byte[] out = new byte[64];
    long x = i;
    for (int word = 0; word < 4; word++) {
      x = mix(x + 0x9E3779B97F4A7C15L);
      for (int nibble = 0; nibble < 16; nibble++) {
        out[word * 16 + nibble] = HEX[(int) ((x >>> (nibble * 4)) & 15)];
      }
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static byte[] body(int bytes) {
    byte[] body = new byte[bytes];
    byte[] pattern = "{\"id\":12345,\"status\":\"created\",\"items\":[1,2,3]}".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < bytes; i++) {
      body[i] = pattern[i % pattern.length];
    }
    return body;
  }

  private static int align8(int bytes) {
    return (bytes + 7) & ~7;
  }

  static String mib(double bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024 * 1024));
  }

  static String gib(double bytes) {
    return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024 * 1024 * 1024));
  }

  static String grouped(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }
}
