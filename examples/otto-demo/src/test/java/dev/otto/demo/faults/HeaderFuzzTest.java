package dev.otto.demo.faults;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Header fuzzing across every filter (issue 8, "Header fuzzing"; CONTRACT.md, "Limits on input"): the demo
 * in its default configuration (all of Otto's filters on, in-memory stores) gets a few hundred requests
 * whose {@code traceparent}, {@code X-Request-Id}, {@code X-Api-Key}, {@code X-Forwarded-For},
 * {@code Idempotency-Key}, {@code I-Twilio-Idempotency-Token} and {@code X-User} headers are hostile: very
 * long, control characters, obs-fold and bare CR, non-ASCII and invalid UTF-8, comma storms, IPv6 literals
 * with zones, brackets and ports, empty, duplicated, header floods, injection attempts.
 *
 * <p>The requests are written on a raw socket, byte for byte, because {@code java.net.http} refuses most of
 * these values. Tomcat itself rejects some of them with a bare {@code 400} before any filter runs; that is
 * an acceptable answer. For every answer the test requires: a status below 500 (except the {@code 500}
 * that {@code /api/boom} is for); no CR, LF or other control character in any response header; no
 * injected value longer than 16 bytes echoed anywhere in the head or the body (no 17-byte run of it,
 * except a request id echoed because it is one of the safe ids the trace filter promises to echo); a valid
 * {@code X-Trace-Id} never taken from a malformed or duplicated {@code traceparent}; and an answer at all
 * within a generous 20 s. All violations are collected and reported together, each with the request that
 * caused it.
 *
 * <p>The generator is seeded: the seed is printed, and {@code -Dotto.fuzz.seed=N} replays a run
 * ({@code -Dotto.fuzz.requests=N} makes a longer exploratory run).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HeaderFuzzTest {

  private static final long SEED = Long.getLong("otto.fuzz.seed", 0x0770_F022_2026L);
  private static final int REQUESTS = Integer.getInteger("otto.fuzz.requests", 300);
  /** The demo accepts 32 KB of request head; stay safely below so the filters see the values. */
  private static final int HEAD_BUDGET = 30_000;
  private static final int LONGEST_VALUE = 20_000;
  private static final int ECHO_WINDOW = 17;
  private static final Duration NO_ANSWER = Duration.ofSeconds(20);
  /**
   * A coarse guard against unbounded allocation: live heap after a full GC, before and after the run.
   * Generous because the JIT, Tomcat's buffers and the test's own bookkeeping move it too; a filter that
   * kept (or copied without bound) what these requests send would blow far past it.
   */
  private static final long HEAP_GROWTH_LIMIT = 256L * 1024 * 1024;

  private static final List<String> FUZZED = List.of(
      "traceparent", "X-Request-Id", "X-Api-Key", "X-Forwarded-For", "Idempotency-Key",
      "I-Twilio-Idempotency-Token", "X-User");
  private static final Pattern SAFE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern HEX_RUN = Pattern.compile("[0-9a-fA-F]{32}");
  private static final String VISIBLE =
      "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
  private static final String SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-";
  private static final byte[] CONTROLS = controls();
  private static final String[] ADDRESSES = {
      "fe80::1%eth0", "fe80::1%25eth0", "[fe80::1%25eth0]:8080", "[::1]", "[::1]:443", "::1", "[::1",
      "::1]", "[2001:db8::1]:65535", "2001:db8::1", "2001:0db8:0000:0000:0000:ff00:0042:8329",
      "::ffff:127.0.0.1", "[::ffff:10.0.0.1]:80", "127.0.0.1", "127.0.0.1:8080", "10.0.0.1", "1.2.3.4:99999",
      "300.1.1.1", "1.2.3.4.5", "0x7f.0.0.1", "017700000001", "2130706433", "unknown", "_hidden",
      "for=192.0.2.60", "\"[2001:db8:cafe::17]:4711\"", "[[::1]]", "[]", ":", "%", "fe80::%", "::", ":::",
      "1::2::3", "[v1.fe80::a+en1]", "999999999999999999999", "-1", "localhost", "203.0.113.195"};
  private static final String[] INJECTIONS = {
      "x\r\nSet-Cookie: otto-fuzz-injected=1", "%0d%0aX-Otto-Injected:%20yes", "\"},{\"otto\":\"injected\"",
      "<script>alert('otto-fuzz')</script>", "${jndi:ldap://otto.invalid/a}", "../../../../etc/passwd",
      "' OR '1'='1'; DROP TABLE otto_idempotency; --", "\\u0000\\r\\nX-Otto: injected",
      "otto-fuzz\u2028line\u2029separator\u0085next", "\uFEFFbom\u202Eright-to-left\u200Bzero-width"};

  @LocalServerPort int port;

  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

  /** What the generator decided to send in one request. */
  record Sent(String name, byte[] value) {}

  /** One target of the fuzzer: method, path and, for a POST, its media type and body. */
  record Target(String method, String path, String contentType, String body) {}

  private static final List<Target> TARGETS = List.of(
      new Target("GET", "/health", "", ""),
      new Target("GET", "/ready", "", ""),
      new Target("GET", "/api/greeting", "", ""),
      new Target("POST", "/api/payments", "application/json", "{\"amount\": 1, \"currency\": \"EUR\"}"),
      new Target("POST", "/webhooks/twilio", "application/x-www-form-urlencoded", "MessageSid=SM1&Body=hi"),
      new Target("GET", "/api/boom", "", ""),
      new Target("GET", "/nope", "", ""));

  @Test
  void hostileHeadersOnEveryFilterNeverGiveA5xxALineBreakAnEchoAHangOrUnboundedHeapGrowth()
      throws Exception {
    everyComponentIsOn();
    System.out.println("HeaderFuzzTest seed=" + SEED + " (replay with -Dotto.fuzz.seed=" + SEED + ")");
    Random random = new Random(SEED);
    long heapBefore = liveHeap();
    long started = System.nanoTime();
    List<String> violations = new ArrayList<>();
    Map<String, Integer> statuses = new TreeMap<>();
    int reachedOtto = 0;

    for (int i = 0; i < REQUESTS; i++) {
      Target target = TARGETS.get(random.nextInt(TARGETS.size()));
      List<Sent> sent = headers(random);
      if (target.method().equals("POST") && random.nextInt(10) < 7) {
        // Most posts carry a fresh, valid key as well, so the idempotency store and the handlers run with
        // the hostile X-User, X-Forwarded-For and trace headers.
        String keyHeader =
            target.path().equals("/api/payments") ? "Idempotency-Key" : "I-Twilio-Idempotency-Token";
        byte[] key = ("fuzz-" + hex(random, 24)).getBytes(ISO_8859_1);
        sent.add(random.nextInt(sent.size() + 1), new Sent(keyHeader, key));
      }
      byte[] request = request(target, sent);
      byte[] answer;
      try {
        answer = exchange(request);
      } catch (SocketTimeoutException e) {
        violations.add(describe(i, target, sent) + ": no answer within " + NO_ANSWER);
        continue;
      }
      List<String> problems = check(target, sent, answer);
      statuses.merge(target.path() + " " + statusText(answer), 1, Integer::sum);
      if (reachedOtto(answer)) {
        reachedOtto++;
      }
      for (String problem : problems) {
        violations.add(describe(i, target, sent) + ": " + problem + "\n    answer: " + excerpt(answer, 600));
      }
    }

    Duration took = Duration.ofNanos(System.nanoTime() - started);
    long heapGrowth = liveHeap() - heapBefore;
    System.out.println("HeaderFuzzTest: " + REQUESTS + " requests in " + took.toMillis() + " ms; " + reachedOtto
        + " reached Otto's filters; live heap grew " + heapGrowth / 1024 + " KB; answers " + statuses);
    assertThat(violations).as("violations (seed " + SEED + ")").isEmpty();
    // Otherwise the run would only have tested Tomcat's parser.
    assertThat(reachedOtto).as("answers that passed Otto's trace filter").isGreaterThan(REQUESTS / 2);
    assertThat(heapGrowth).as("live heap growth in bytes after the run (a coarse guard)")
        .isLessThan(HEAP_GROWTH_LIMIT);
  }

  /** The run is only meaningful with every filter on (a cached context may have been switched at run time). */
  private void everyComponentIsOn() throws Exception {
    HttpResponse<String> switches = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/otto")).build(),
        BodyHandlers.ofString());
    JsonNode components = JsonMapper.builder().build().readTree(switches.body()).path("components");
    for (String component : List.of("ratelimit", "idempotency", "problem", "trace", "health")) {
      assertThat(components.path(component).path("enabled").asBoolean(false)).as(component + " enabled").isTrue();
    }
  }

  // ---------------------------------------------------------------- generation

  /**
   * The header lines of one request. About a third of the requests are hostile at the wire level (control
   * bytes, obs-fold, bare CR, a header flood), which Tomcat mostly rejects before any filter runs; the rest
   * carry values that Tomcat passes on, so that most requests reach Otto's filters.
   */
  private static List<Sent> headers(Random random) {
    List<Sent> sent = new ArrayList<>();
    int budget = HEAD_BUDGET - 400; // request line, Host, Connection, Content-Type, Content-Length
    boolean wire = random.nextInt(10) < 3;
    if (wire && random.nextInt(10) == 0) {
      // A header flood: about as many lines of one header as Tomcat keeps (100 by default), or more.
      String name = pick(random, FUZZED);
      int count = 90 + random.nextInt(30);
      for (int n = 0; n < count; n++) {
        sent.add(new Sent(name, ascii(random, 1 + random.nextInt(20), VISIBLE)));
      }
      return sent;
    }
    int count = 1 + random.nextInt(FUZZED.size());
    for (int n = 0; n < count; n++) {
      String name = pick(random, FUZZED);
      int copies = random.nextInt(6) == 0 ? 2 + random.nextInt(3) : 1;
      boolean validTraceparents = "traceparent".equals(name) && copies > 1 && random.nextBoolean();
      for (int c = 0; c < copies; c++) {
        // Several individually valid traceparents together are invalid input (W3C Trace Context).
        byte[] value = validTraceparents ? traceparent(random).getBytes(ISO_8859_1)
            : wire && random.nextBoolean() ? wireValue(random) : value(random, name, budget);
        budget -= name.length() + value.length + 4;
        sent.add(new Sent(name, value));
      }
    }
    return sent;
  }

  /** A value that breaks HTTP/1.1 header syntax: control bytes, obs-fold or a bare CR. */
  private static byte[] wireValue(Random random) {
    String before = new String(ascii(random, 1 + random.nextInt(30), SAFE), ISO_8859_1);
    String after = new String(ascii(random, 1 + random.nextInt(30), SAFE), ISO_8859_1);
    return switch (random.nextInt(3)) {
      case 0 -> withControls(random);
      case 1 -> (before + "\r\n" + (random.nextBoolean() ? " " : "\t") + after).getBytes(ISO_8859_1);
      default -> (before + "\r" + after).getBytes(ISO_8859_1);
    };
  }

  /** A hostile value that is still a syntactically valid header value, so it reaches the filters. */
  private static byte[] value(Random random, String name, int budget) {
    int room = Math.max(0, budget - 100);
    int kind = random.nextInt("traceparent".equals(name) ? 12 : 9);
    return switch (kind) {
      case 0 -> ascii(random, Math.min(room, 1_000 + random.nextInt(LONGEST_VALUE - 1_000)), VISIBLE + " ");
      case 1 -> ascii(random, Math.min(room, 129 + random.nextInt(LONGEST_VALUE - 129)), SAFE);
      case 2 -> nonAscii(random, Math.min(room, 1 + random.nextInt(random.nextBoolean() ? 60 : 6_000)));
      case 3 -> commas(random, room);
      case 4 -> addresses(random, room);
      case 5 -> pick(random, List.of("", " ", "\t", "  \t ")).getBytes(ISO_8859_1);
      case 6 -> pick(random, List.of(INJECTIONS)).getBytes(UTF_8);
      case 7 -> ascii(random, 1 + random.nextInt(64), random.nextBoolean() ? SAFE : VISIBLE);
      case 8 -> invalidUtf8(random);
      default -> brokenTraceparent(random, room);
    };
  }

  private static String traceparent(Random random) {
    return "00-" + hex(random, 32) + "-" + hex(random, 16) + "-01";
  }

  /** A traceparent that W3C Trace Context (and CONTRACT.md) says must be ignored. */
  private static byte[] brokenTraceparent(Random random, int room) {
    String trace = hex(random, 32);
    String parent = hex(random, 16);
    String value = switch (random.nextInt(13)) {
      case 0 -> "00-" + trace.toUpperCase(Locale.ROOT) + "-" + parent + "-01";
      case 1 -> "00-" + "0".repeat(32) + "-" + parent + "-01";
      case 2 -> "00-" + trace + "-" + "0".repeat(16) + "-01";
      case 3 -> "ff-" + trace + "-" + parent + "-01";
      case 4 -> "00-" + trace + "-" + parent + "-01-extra";
      case 5 -> "00-" + trace.substring(1) + "-" + parent + "-01";
      case 6 -> "00-" + trace + "0-" + parent + "-01";
      case 7 -> "00_" + trace + "_" + parent + "_01";
      case 8 -> "00-" + trace + "-" + parent + "-0g";
      case 9 -> "00-" + trace.substring(0, 16) + "\u00e9" + trace.substring(17) + "-" + parent + "-01";
      case 10 -> traceparent(random) + "," + traceparent(random);
      case 11 -> "0g-" + trace + "-" + parent + "-01";
      default -> traceparent(random) + "x".repeat(1 + random.nextInt(Math.max(1, Math.min(room, 5_000))));
    };
    return value.getBytes(ISO_8859_1);
  }

  private static byte[] withControls(Random random) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int length = 5 + random.nextInt(200);
    for (int n = 0; n < length; n++) {
      out.write(random.nextInt(4) == 0
          ? CONTROLS[random.nextInt(CONTROLS.length)]
          : SAFE.charAt(random.nextInt(SAFE.length())));
    }
    return out.toByteArray();
  }

  private static byte[] nonAscii(Random random, int bytes) {
    int[][] ranges = {
        {0x00A0, 0x00FF}, {0x0100, 0x017F}, {0x0400, 0x04FF}, {0x4E00, 0x4FFF}, {0x1F600, 0x1F64F},
        {0x2000, 0x206F}, {0xFE00, 0xFEFF}, {0x0080, 0x009F}};
    StringBuilder text = new StringBuilder();
    while (text.toString().getBytes(UTF_8).length < bytes) {
      int[] range = ranges[random.nextInt(ranges.length)];
      text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
      if (text.length() > 64 && text.length() % 64 == 0) {
        text.append(text); // grow long values quickly
      }
    }
    byte[] all = text.toString().getBytes(UTF_8);
    return Arrays.copyOf(all, Math.min(all.length, Math.max(bytes, 1)));
  }

  private static byte[] invalidUtf8(Random random) {
    byte[] value = new byte[1 + random.nextInt(80)];
    for (int n = 0; n < value.length; n++) {
      value[n] = (byte) (0x80 + random.nextInt(0x80));
    }
    return value;
  }

  private static byte[] commas(Random random, int room) {
    String value = switch (random.nextInt(3)) {
      case 0 -> ",".repeat(1 + random.nextInt(Math.max(1, Math.min(room, LONGEST_VALUE))));
      case 1 -> " , ,a,,b, ,,".repeat(1 + random.nextInt(Math.max(1, Math.min(room, LONGEST_VALUE) / 12)));
      default -> "1.2.3.4, ".repeat(1 + random.nextInt(Math.max(1, Math.min(room, LONGEST_VALUE) / 9)));
    };
    return value.substring(0, Math.min(value.length(), Math.max(1, room))).getBytes(ISO_8859_1);
  }

  private static byte[] addresses(Random random, int room) {
    StringBuilder value = new StringBuilder();
    int count = 1 + random.nextInt(random.nextInt(10) == 0 ? 800 : 6);
    for (int n = 0; n < count && value.length() < room - 50; n++) {
      if (n > 0) {
        value.append(random.nextBoolean() ? ", " : ",");
      }
      value.append(ADDRESSES[random.nextInt(ADDRESSES.length)]);
    }
    return value.toString().getBytes(ISO_8859_1);
  }

  private static byte[] ascii(Random random, int length, String alphabet) {
    byte[] value = new byte[Math.max(0, length)];
    for (int n = 0; n < value.length; n++) {
      value[n] = (byte) alphabet.charAt(random.nextInt(alphabet.length()));
    }
    return value;
  }

  private static String hex(Random random, int digits) {
    StringBuilder hex = new StringBuilder(digits);
    for (int n = 0; n < digits; n++) {
      hex.append(Character.forDigit(random.nextInt(16), 16));
    }
    return hex.toString();
  }

  private static <T> T pick(Random random, List<T> from) {
    return from.get(random.nextInt(from.size()));
  }

  /** The control bytes a client can put on the wire in a header value (not NUL, HT, LF or CR). */
  private static byte[] controls() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int b = 0x01; b <= 0x1F; b++) {
      if (b != 0x09 && b != 0x0A && b != 0x0D) {
        out.write(b);
      }
    }
    out.write(0x7F);
    return out.toByteArray();
  }

  // ---------------------------------------------------------------- the wire

  private byte[] request(Target target, List<Sent> sent) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] body = target.body().getBytes(UTF_8);
    out.writeBytes((target.method() + " " + target.path() + " HTTP/1.1\r\n").getBytes(ISO_8859_1));
    out.writeBytes(("Host: 127.0.0.1:" + port + "\r\nConnection: close\r\n").getBytes(ISO_8859_1));
    if (!target.contentType().isEmpty()) {
      out.writeBytes(("Content-Type: " + target.contentType() + "\r\nContent-Length: " + body.length + "\r\n")
          .getBytes(ISO_8859_1));
    }
    for (Sent header : sent) {
      out.writeBytes((header.name() + ": ").getBytes(ISO_8859_1));
      out.writeBytes(header.value());
      out.writeBytes("\r\n".getBytes(ISO_8859_1));
    }
    out.writeBytes("\r\n".getBytes(ISO_8859_1));
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** Sends one request on its own connection and reads the answer until the server closes it. */
  private byte[] exchange(byte[] request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) NO_ANSWER.toMillis());
      socket.setSoTimeout((int) NO_ANSWER.toMillis());
      try {
        OutputStream out = socket.getOutputStream();
        out.write(request);
        out.flush();
        socket.shutdownOutput();
      } catch (IOException rejectedWhileWriting) {
        // The server may answer and close before reading everything; read what it said.
      }
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[8192];
      int read;
      try {
        while ((read = in.read(buffer)) >= 0 && answer.size() < 4 * 1024 * 1024) {
          answer.write(buffer, 0, read);
        }
      } catch (SocketTimeoutException hang) {
        throw hang;
      } catch (IOException reset) {
        // A reset after the answer still leaves the answer to check.
      }
      return answer.toByteArray();
    }
  }

  // ---------------------------------------------------------------- the checks

  private static List<String> check(Target target, List<Sent> sent, byte[] answer) {
    List<String> problems = new ArrayList<>();
    int headEnd = indexOf(answer, "\r\n\r\n".getBytes(ISO_8859_1), 0);
    if (answer.length == 0 || headEnd < 0) {
      problems.add("no complete answer (" + answer.length + " bytes)");
      return problems;
    }
    String head = new String(answer, 0, headEnd, ISO_8859_1);
    String[] lines = head.split("\r\n", -1);
    Matcher statusLine = Pattern.compile("HTTP/1\\.1 (\\d{3})( .*)?").matcher(lines[0]);
    if (!statusLine.matches()) {
      problems.add("malformed status line");
      return problems;
    }
    int status = Integer.parseInt(statusLine.group(1));
    boolean boom = "/api/boom".equals(target.path());
    if (status >= 500 && !(boom && status == 500)) {
      problems.add("status " + status);
    }

    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    StringBuilder searchable = new StringBuilder();
    Set<String> injectedRequestIds = new HashSet<>();
    for (Sent header : sent) {
      if ("X-Request-Id".equalsIgnoreCase(header.name())) {
        injectedRequestIds.add(new String(header.value(), ISO_8859_1).strip());
      }
    }
    for (int n = 1; n < lines.length; n++) {
      String line = lines[n];
      for (int c = 0; c < line.length(); c++) {
        char ch = line.charAt(c);
        if ((ch < 0x20 && ch != '\t') || ch == 0x7F) {
          problems.add(String.format("response header line %d carries control character 0x%02X", n, (int) ch));
          break;
        }
      }
      if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
        problems.add("response header line " + n + " is a continuation (obs-fold)");
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1).strip();
      headers.put(name, value);
      if ("X-Request-Id".equalsIgnoreCase(name)) {
        if (!SAFE_REQUEST_ID.matcher(value).matches()) {
          problems.add("X-Request-Id echoed although it is not a safe id");
        }
        if (injectedRequestIds.contains(value)) {
          continue; // the promised echo of a safe request id is not a reflection
        }
      }
      searchable.append(line).append('\n');
    }
    byte[] body = body(headers, answer, headEnd + 4);

    String traceId = headers.get("X-Trace-Id");
    if (traceId != null) {
      if (!TRACE_ID.matcher(traceId).matches() || traceId.equals("0".repeat(32))) {
        problems.add("X-Trace-Id is not 32 lowercase hex digits, not all zero");
      }
      for (Sent header : sent) {
        if ("traceparent".equalsIgnoreCase(header.name())) {
          Matcher hex = HEX_RUN.matcher(new String(header.value(), ISO_8859_1));
          while (hex.find()) {
            if (hex.group().equalsIgnoreCase(traceId)) {
              problems.add("X-Trace-Id taken from a malformed or duplicated traceparent");
            }
          }
        }
      }
    }

    Set<String> windows = windows(searchable.toString());
    windows.addAll(windows(new String(body, ISO_8859_1)));
    for (Sent header : sent) {
      String echoed = echoed(new String(header.value(), ISO_8859_1), windows);
      if (echoed != null) {
        problems.add(header.name() + " value echoed: \"" + escape(echoed) + "\"");
        break;
      }
    }
    if (boom && (contains(answer, "hunter2") || contains(answer, "IllegalStateException"))) {
      problems.add("/api/boom leaked its exception");
    }
    return problems;
  }

  /** The body, de-chunked when the answer is chunked (so chunk framing cannot hide an echo). */
  private static byte[] body(Map<String, String> headers, byte[] answer, int start) {
    byte[] raw = Arrays.copyOfRange(answer, Math.min(start, answer.length), answer.length);
    if (!"chunked".equalsIgnoreCase(headers.getOrDefault("Transfer-Encoding", ""))) {
      return raw;
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    int at = 0;
    while (at < raw.length) {
      int lineEnd = indexOf(raw, "\r\n".getBytes(ISO_8859_1), at);
      if (lineEnd < 0) {
        break;
      }
      String size = new String(raw, at, lineEnd - at, ISO_8859_1);
      int semicolon = size.indexOf(';');
      int length;
      try {
        length = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).strip(), 16);
      } catch (NumberFormatException e) {
        return raw;
      }
      if (length == 0) {
        break;
      }
      int from = lineEnd + 2;
      body.write(raw, from, Math.min(length, raw.length - from));
      at = from + length + 2;
    }
    return body.toByteArray();
  }

  private static Set<String> windows(String text) {
    Set<String> windows = new HashSet<>();
    for (int i = 0; i + ECHO_WINDOW <= text.length(); i++) {
      windows.add(text.substring(i, i + ECHO_WINDOW));
    }
    return windows;
  }

  /** The first 17-byte run of {@code value} found in the answer, or null. */
  private static String echoed(String value, Set<String> windows) {
    for (int i = 0; i + ECHO_WINDOW <= value.length(); i++) {
      String window = value.substring(i, i + ECHO_WINDOW);
      if (windows.contains(window)) {
        return window;
      }
    }
    return null;
  }

  private static boolean contains(byte[] haystack, String needle) {
    return indexOf(haystack, needle.getBytes(ISO_8859_1), 0) >= 0;
  }

  private static int indexOf(byte[] haystack, byte[] needle, int from) {
    outer:
    for (int i = from; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  // ---------------------------------------------------------------- reporting and heap

  /** Whether Otto's outermost filter saw the request: it stamps every answer with X-Trace-Id. */
  private static boolean reachedOtto(byte[] answer) {
    int headEnd = indexOf(answer, "\r\n\r\n".getBytes(ISO_8859_1), 0);
    return headEnd > 0
        && new String(answer, 0, headEnd, ISO_8859_1).toLowerCase(Locale.ROOT).contains("\r\nx-trace-id: ");
  }

  private static String statusText(byte[] answer) {
    return answer.length >= 12 ? new String(answer, 9, 3, ISO_8859_1) : "none";
  }

  private static String describe(int index, Target target, List<Sent> sent) {
    StringBuilder text = new StringBuilder("#" + index + " " + target.method() + " " + target.path() + " with");
    for (Sent header : sent.subList(0, Math.min(sent.size(), 8))) {
      String value = new String(header.value(), ISO_8859_1);
      text.append("\n    ").append(header.name()).append(" (").append(header.value().length).append(" bytes): ")
          .append(escape(value.substring(0, Math.min(value.length(), 120))));
    }
    if (sent.size() > 8) {
      text.append("\n    … and ").append(sent.size() - 8).append(" more header lines");
    }
    return text.toString();
  }

  private static String excerpt(byte[] answer, int limit) {
    return escape(new String(answer, 0, Math.min(answer.length, limit), ISO_8859_1));
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c == '\r') {
        out.append("\\r");
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c > 0xFF) {
        out.append(String.format("\\x%02X", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** Heap in use after a full collection (System.gc() is a request; twice makes it likelier to be honoured). */
  private long liveHeap() {
    System.gc();
    System.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }
}
