package dev.otto.idempotency.servlet;

import dev.otto.core.servlet.PathPattern;
import dev.otto.idempotency.ClaimResult;
import dev.otto.idempotency.IdempotencyListener;
import dev.otto.idempotency.IdempotencyListener.Outcome;
import dev.otto.idempotency.IdempotencyStore;
import dev.otto.idempotency.IdempotencyStoreException;
import dev.otto.idempotency.StoredResponse;
import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ProblemResponseWriter;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes requests idempotent: a request's handler runs once per idempotency key, however often the client
 * retries and whichever instance sharing the {@link IdempotencyStore} the retry reaches; retries get the
 * first response back byte for byte. Follows the IETF {@code Idempotency-Key} header draft and Stripe's
 * semantics.
 *
 * <pre>{@code
 * IdempotencyFilter filter = IdempotencyFilter.builder()
 *     .store(MemoryIdempotencyStore.create())
 *     .rule(IdempotencyRule.builder().path("/api/payments").build())
 *     .rule(IdempotencyRule.builder().path("/webhooks/twilio").keyHeader("I-Twilio-Idempotency-Token").build())
 *     .build();
 * servletContext.addFilter("idempotency", filter).addMappingForUrlPatterns(null, false, "/*");
 * }</pre>
 *
 * <h2>Per request</h2>
 * Only initial ({@link DispatcherType#REQUEST REQUEST}) dispatches of requests matching a
 * {@link IdempotencyRule rule} are handled (the first matching rule applies); everything else passes.
 * <ol>
 *   <li>The key is read. Missing where {@link IdempotencyRule.Builder#required required}: {@code 400}
 *       ({@code https://otto.dev/problems/idempotency-key-missing}). Not 1 to 255 visible ASCII characters
 *       ({@code 0x21}-{@code 0x7E}), or sent twice: {@code 400} ({@code …/idempotency-key-invalid}). The key
 *       is never repeated in a response or a log.
 *   <li>The body is read into memory, at most {@link Builder#maxRequestBody maxRequestBody} bytes; a larger
 *       one is answered {@code 413} ({@code …/request-too-large}) without running the handler. The handler
 *       reads the same bytes again through {@code getInputStream()} or {@code getReader()}, and the
 *       parameters of a {@code POST}ed form body ({@code application/x-www-form-urlencoded}, as webhooks such
 *       as Twilio's send) through {@code getParameter}; like the container, the filter parses no other
 *       method's form body.
 *   <li>The store key is a SHA-256 over the length-prefixed principal, method, path and key, so two
 *       principals (or two paths) never share a record and nobody can replay another user's response. The
 *       principal comes from {@link Builder#principal}, by default {@code getUserPrincipal().getName()};
 *       requests without principal share the anonymous scope. The fingerprint is a SHA-256 over the
 *       method, path, query string, the rule's {@link IdempotencyRule.Builder#fingerprintHeaders
 *       fingerprint headers} and the body.
 *   <li>The key is {@linkplain IdempotencyStore#claim claimed} for the {@link Builder#lease lease}. If the
 *       store fails or times out: {@code 503} ({@code …/store-unavailable}, with {@code Retry-After: 1})
 *       and the handler does <em>not</em> run. Otherwise:
 *       <ul>
 *         <li>new key (or a lease that ran out: the previous attempt crashed or hung): the handler runs and
 *             its response is stored as described below;
 *         <li>in progress with the same fingerprint: {@code 409} ({@code …/in-flight}) with
 *             {@code Retry-After} in whole seconds, the lease remaining but at least 1 and at most 5;
 *         <li>in progress or completed with another fingerprint: {@code 422} ({@code …/mismatch});
 *         <li>completed with the same fingerprint: the stored status, headers and body, plus
 *             {@code Idempotent-Replayed: true}; the handler does not run.
 *       </ul>
 * </ol>
 *
 * <h2>What is stored</h2>
 * After the handler, the claim is {@linkplain IdempotencyStore#complete completed} with the response for
 * the {@link Builder#ttl ttl}, or {@linkplain IdempotencyStore#release released} so that a retry runs
 * again:
 * <ul>
 *   <li>2xx, 3xx and 4xx responses are stored, except the statuses of
 *       {@link Builder#nonStoredStatuses nonStoredStatuses} (by default 401, 403, 408, 409 and 429, which
 *       depend on the moment or on credentials, not on the request). A redirect made with
 *       {@code sendRedirect} is stored with the body the container sends: none, or what was written before it
 *       when {@code clearBuffer} is {@code false}; never what is written after it;
 *   <li>5xx responses, a handler that throws, and a response made with {@code sendError} (whose body the
 *       container writes later, where it cannot be copied) are released;
 *   <li>a body larger than {@link Builder#maxStoredBody maxStoredBody} is sent to the client, not stored,
 *       and released, with a warning logged;
 *   <li>a response whose sending failed in a way the handler was told of (typically the client went away
 *       and a write to the response's stream threw) is neither stored nor released, with a warning logged,
 *       even when the handler then returned normally (as Spring MVC does for a disconnected client): the
 *       handler may have stopped writing, so the copy may be cut short, and the client that went away is the
 *       one that retries. As when the store fails after the handler ran, the key stays claimed until the
 *       {@link Builder#lease lease} runs out (retries get {@code 409}), then a retry runs the request again.
 *       A failure the handler was not told of (the container's writer hides them, or the connection drops
 *       after the handler returned) leaves the copy whole: it is stored and replayed to the retry.
 * </ul>
 * Only a safe allow-list of headers is stored: {@code Content-Type}, {@code Content-Language},
 * {@code Content-Location}, {@code Location}, {@code ETag}, {@code Last-Modified}, {@code Cache-Control},
 * {@code Link}, {@code Retry-After} and those added with {@link Builder#storedHeaders storedHeaders}.
 * {@code Set-Cookie}, {@code Authorization}, {@code WWW-Authenticate}, hop-by-hop headers
 * ({@code Connection}, {@code Keep-Alive}, {@code Transfer-Encoding}, {@code TE}, {@code Trailer},
 * {@code Upgrade}, {@code Proxy-*}) and {@code Content-Length} (recomputed) are never stored.
 *
 * <p>The lease fences a crashed or hung handler: once it runs out, the next retry takes the key over and
 * runs. If the first handler then finishes, its completion is refused by the store (it no longer owns the
 * key); its response still reaches its client, a warning is logged and
 * {@link IdempotencyListener#onLeaseLost()} is called. Choose a lease longer than your slowest handler.
 * If the store fails while completing or releasing, the handler's response has been sent already: the
 * failure is logged at ERROR and the key stays claimed until its lease runs out.
 *
 * <h2>Asynchronous requests</h2>
 * If the handler starts async processing with the filter's request and response wrappers
 * ({@code startAsync(request, response)}, as Spring MVC does), the response is copied as it is written and
 * stored or released when the async request completes (released on error or timeout). If it calls
 * {@code startAsync()} without arguments, the container's own response is written to and cannot be copied:
 * the claim is then neither completed nor released, so duplicates get {@code 409} until the lease runs out
 * and the next retry runs again; a warning is logged. Never releasing early is the safe choice: releasing
 * would let a duplicate run while the first is still working.
 *
 * <h2>Shadow rules</h2>
 * A {@link IdempotencyRule.Builder#shadow shadow} rule never answers in the handler's place and never changes
 * a response: the handler always runs, and no {@code 400}, {@code 409}, {@code 413}, {@code 422},
 * {@code 503} or replay is sent. The filter still claims, compares and, after the
 * handler, completes or releases like an enforcing rule, so that later duplicates are recognised and
 * {@link IdempotencyListener#onShadowRequest} reports what enforcement would have done (replayed,
 * in flight, mismatch, rejected). A shadow rule therefore stores responses like an enforcing one and costs
 * the same store traffic. A store failure under a shadow rule is logged and the request runs.
 *
 * <h2>Run-time switches</h2>
 * Two suppliers, typically backed by an operator's switch, are read once at the start of each request
 * and govern it to the end: a request that claimed a key completes or releases it however the switches
 * change meanwhile.
 * <ul>
 *   <li>{@link Builder#enabled(BooleanSupplier) enabled}: while {@code false}, requests pass straight
 *       through: no key is read, nothing claimed, stored or replayed, and duplicates run the handler
 *       again;
 *   <li>{@link Builder#shadow(BooleanSupplier) shadow}: while {@code true}, every rule behaves as a shadow
 *       rule for that request, as described above.
 * </ul>
 *
 * <h2>Problems</h2>
 * Every refusal is an RFC 9457 problem written by the {@link ProblemResponseWriter}. Problem details never
 * contain the key, the body or a store's error message.
 *
 * <p>Threading: immutable configuration, thread-safe. The store, the principal function, key extractors
 * and listeners are called on the request thread (for async requests also on the container thread that
 * completes them). The filter owns nothing: {@link #destroy()} does not close the store. The filter sets
 * no timeout of its own on store calls: the store's (Redis command timeout, JDBC statement timeout)
 * decides how long a request waits before its {@code 503}.
 */
public final class IdempotencyFilter implements Filter {

  private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);

  static final String TYPE_PREFIX = "https://otto.dev/problems/";
  static final String MISSING_TYPE = TYPE_PREFIX + "idempotency-key-missing";
  static final String INVALID_TYPE = TYPE_PREFIX + "idempotency-key-invalid";
  static final String IN_FLIGHT_TYPE = TYPE_PREFIX + "idempotency-key-in-flight";
  static final String MISMATCH_TYPE = TYPE_PREFIX + "idempotency-key-mismatch";
  static final String STORE_UNAVAILABLE_TYPE = TYPE_PREFIX + "idempotency-store-unavailable";
  static final String TOO_LARGE_TYPE = TYPE_PREFIX + "request-too-large";

  /** The response header that marks a replay. */
  public static final String REPLAYED_HEADER = "Idempotent-Replayed";

  /** Longest key accepted, in characters. */
  static final int MAX_KEY_LENGTH = 255;

  /**
   * {@code Retry-After} of a {@code 409} at most: the lease bounds a crash, it does not predict how long the
   * first request takes, which is usually far less; clients should look again soon.
   */
  static final long MAX_RETRY_AFTER_SECONDS = 5;

  static final Duration DEFAULT_LEASE = Duration.ofSeconds(60);
  static final Duration DEFAULT_TTL = Duration.ofHours(24);
  static final int DEFAULT_MAX_BODY = 1024 * 1024;
  static final Set<Integer> DEFAULT_NON_STORED = Set.of(401, 403, 408, 409, 429);
  static final List<String> DEFAULT_STORED_HEADERS = List.of("Content-Type", "Content-Language",
      "Content-Location", "Location", "ETag", "Last-Modified", "Cache-Control", "Link", "Retry-After");

  private static final int MAX_BUFFER = Integer.MAX_VALUE - 16;

  /** The request-body buffer's first size at most; it grows as bytes arrive. */
  static final int FIRST_BODY_BUFFER = 8192;

  private final IdempotencyStore store;
  private final IdempotencyRule[] rules;
  private final Function<HttpServletRequest, @Nullable String> principal;
  private final Duration lease;
  private final Duration ttl;
  private final int maxRequestBody;
  private final int maxStoredBody;
  private final boolean[] nonStored = new boolean[600];
  private final Set<String> storedHeaders;
  private final ProblemResponseWriter responseWriter;
  private final IdempotencyListener[] listeners;
  private final Ticker ticker;
  private final AtomicBoolean storeFailing = new AtomicBoolean();
  private final AtomicBoolean asyncWarned = new AtomicBoolean();
  private final @Nullable BooleanSupplier enabled;
  private final @Nullable BooleanSupplier shadowOverride;

  private IdempotencyFilter(Builder builder, IdempotencyStore store) {
    this.store = store;
    this.enabled = builder.enabled;
    this.shadowOverride = builder.shadow;
    this.rules = builder.rules.toArray(new IdempotencyRule[0]);
    this.principal = builder.principal;
    this.lease = builder.lease;
    this.ttl = builder.ttl;
    this.maxRequestBody = builder.maxRequestBody;
    this.maxStoredBody = builder.maxStoredBody;
    for (int status : builder.nonStoredStatuses) {
      nonStored[status] = true;
    }
    Set<String> headers = new HashSet<>();
    for (String name : builder.storedHeaders) {
      headers.add(HeaderNames.lower(name));
    }
    this.storedHeaders = Set.copyOf(headers);
    this.responseWriter = builder.responseWriter != null ? builder.responseWriter : ProblemResponseWriter.create();
    this.listeners = builder.listeners.toArray(new IdempotencyListener[0]);
    this.ticker = builder.ticker;
  }

  /**
   * Starts a filter configuration. {@link Builder#store store} and at least one {@link Builder#rule rule}
   * are required.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Handles the request as described on the class.
   *
   * @throws IOException when reading the body or writing a response fails (typically the client went
   *     away), or as thrown by the chain
   * @throws ServletException as thrown by the chain
   */
  @Override
  public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain)
      throws IOException, ServletException {
    if ((enabled != null && !enabled.getAsBoolean())
        || !(servletRequest instanceof HttpServletRequest request)
        || !(servletResponse instanceof HttpServletResponse response)
        || request.getDispatcherType() != DispatcherType.REQUEST) {
      chain.doFilter(servletRequest, servletResponse);
      return;
    }
    String method = request.getMethod();
    String path = PathPattern.pathWithinApplication(request);
    IdempotencyRule rule = match(method, path);
    if (rule == null) {
      chain.doFilter(request, response);
      return;
    }
    boolean shadow = rule.shadow() || (shadowOverride != null && shadowOverride.getAsBoolean());
    String key = rule.key().extract(request);
    if (key == null || key.isEmpty()) {
      if (!rule.required()) {
        chain.doFilter(request, response);
      } else if (shadow) {
        pass(request, response, chain, Outcome.REJECTED);
      } else {
        reject(request, response, Problem.builder(400).type(MISSING_TYPE).title("Idempotency key missing")
            .detail(missingKeyDetail(rule)).build());
      }
      return;
    }
    if (!isValidKey(key)) {
      if (shadow) {
        pass(request, response, chain, Outcome.REJECTED);
      } else {
        reject(request, response, Problem.builder(400).type(INVALID_TYPE).title("Invalid idempotency key")
            .detail("The idempotency key must be 1 to " + MAX_KEY_LENGTH + " visible ASCII characters "
                + "(0x21-0x7E), sent once.")
            .build());
      }
      return;
    }
    long declared = request.getContentLengthLong();
    if (declared > maxRequestBody) {
      if (shadow) {
        pass(request, response, chain, Outcome.REJECTED);
      } else {
        rejectTooLarge(request, response);
      }
      return;
    }
    BufferedBodyRequest body = readBody(request, declared, maxRequestBody, shadow);
    if (body == null) {
      rejectTooLarge(request, response);
      return;
    }
    if (body.overLimit) {
      pass(body, response, chain, Outcome.REJECTED); // shadow only: the handler gets the whole body
      return;
    }
    handle(rule, shadow, method, path, key, body, response, chain);
  }

  /** Claims the key and acts on the claim; {@code shadow} is the rule's mode for this request. */
  private void handle(IdempotencyRule rule, boolean shadow, String method, String path, String key,
      BufferedBodyRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    String principalName = principal.apply(request);
    String storeKey = RequestDigests.scopedKey(principalName == null ? "" : principalName, method, path, key);
    String fingerprint = fingerprint(rule, request, method, path);
    String owner = newOwner();

    ClaimResult claim;
    long start = ticker.read();
    try {
      claim = store.claim(storeKey, fingerprint, owner, lease, ttl);
    } catch (RuntimeException e) {
      storeCall("claim", start, e);
      claimFailed(e, shadow);
      if (shadow) {
        pass(request, response, chain, Outcome.REJECTED);
      } else {
        // How long the store stays down is unknown: the shortest hint, which clients' own backoff stretches.
        response.setHeader("Retry-After", "1");
        reject(request, response, Problem.builder(503).type(STORE_UNAVAILABLE_TYPE)
            .title("Idempotency store unavailable")
            .detail("The request was not processed because its idempotency key cannot be checked right now; "
                + "retry later with the same key.")
            .build());
      }
      return;
    }
    storeCall("claim", start, null);
    if (storeFailing.get() && storeFailing.compareAndSet(true, false)) {
      log.info("Idempotency store answers again");
    }

    if (claim instanceof ClaimResult.Claimed) {
      execute(shadow, storeKey, owner, request, response, chain);
    } else if (claim instanceof ClaimResult.InFlight inFlight) {
      if (!inFlight.fingerprint().equals(fingerprint)) {
        mismatch(request, response, chain, shadow);
      } else if (shadow) {
        pass(request, response, chain, Outcome.IN_FLIGHT);
      } else {
        long retryAfter = retryAfterSeconds(inFlight.leaseRemaining());
        notify(false, Outcome.IN_FLIGHT);
        response.setHeader("Retry-After", Long.toString(retryAfter));
        writeProblem(request, response, Problem.builder(409).type(IN_FLIGHT_TYPE).title("Request in progress")
            .detail("A request with this idempotency key is still being processed; retry in " + retryAfter
                + (retryAfter == 1 ? " second." : " seconds."))
            .extension("retryAfter", retryAfter)
            .build());
      }
    } else if (claim instanceof ClaimResult.Completed completed) {
      if (!completed.fingerprint().equals(fingerprint)) {
        mismatch(request, response, chain, shadow);
      } else if (shadow) {
        pass(request, response, chain, Outcome.REPLAYED);
      } else {
        notify(false, Outcome.REPLAYED);
        replay(response, completed.response());
      }
    }
  }

  /** Runs the handler on a claimed key, then completes or releases the claim. */
  private void execute(boolean shadow, String storeKey, String owner, HttpServletRequest request,
      HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
    RecordingResponse recording = new RecordingResponse(response, maxStoredBody);
    boolean returned = false;
    try {
      chain.doFilter(request, recording);
      returned = true;
    } finally {
      if (!returned) {
        // The container turns the exception into a 5xx: release, so a retry runs again.
        release(storeKey, owner, "the handler threw");
        recording.releaseContentLength();
        notify(shadow, Outcome.EXECUTED);
      }
    }
    if (request.isAsyncStarted()) {
      AsyncContext async = request.getAsyncContext();
      if (async.hasOriginalRequestAndResponse()) {
        if (asyncWarned.compareAndSet(false, true)) {
          log.warn("A handler under an idempotency rule started async processing with startAsync() and the "
              + "container's own response, which cannot be copied: its key stays claimed until the lease of {} "
              + "runs out (duplicates get 409, later retries run again). Call startAsync(request, response) to "
              + "have such responses stored.", lease);
        }
      } else {
        async.addListener(new AsyncCompletion(storeKey, owner, recording));
      }
    } else {
      finish(storeKey, owner, recording, false);
    }
    notify(shadow, Outcome.EXECUTED);
  }

  /** Stores the handler's response or releases the key, per the policy on the class. */
  private void finish(String storeKey, String owner, RecordingResponse recording, boolean failed) {
    try {
      storeOrRelease(storeKey, owner, recording, failed);
    } finally {
      recording.releaseContentLength();
    }
  }

  private void storeOrRelease(String storeKey, String owner, RecordingResponse recording, boolean failed) {
    recording.finishCapture();
    int status = recording.getStatus();
    if (failed) {
      release(storeKey, owner, "the request failed");
    } else if (recording.errorSent()) {
      release(storeKey, owner, "status " + status + " was sent with sendError, whose body cannot be stored");
    } else if (status >= 500 || status < 200 || status >= nonStored.length) {
      release(storeKey, owner, "status " + status + " is never stored");
    } else if (nonStored[status]) {
      release(storeKey, owner, "status " + status + " is configured not to be stored");
    } else if (recording.sendFailure() != null) {
      // Neither stored (the copy may be cut short) nor released: the handler ran, and a client that went
      // away is the very client that retries, which must not run a payment again at once.
      log.warn("Response could not be sent in full ({}); the handler may have stopped writing, so it was not "
          + "stored, and its idempotency key stays claimed until the lease of {} runs out: retries get 409 until "
          + "then, and a retry after it runs the request again",
          Objects.requireNonNull(recording.sendFailure()).toString(), lease);
    } else if (recording.overflowed()) {
      log.warn("Response body of {} bytes exceeds maxStoredBody of {} bytes: it was sent but not stored, and its "
          + "idempotency key was released, so a retry runs the request again", recording.bytesWritten(),
          maxStoredBody);
      release(storeKey, owner, null);
    } else {
      complete(storeKey, owner, new StoredResponse(status, storedHeaders(recording), recording.capturedBody()));
    }
  }

  private void complete(String storeKey, String owner, StoredResponse stored) {
    long start = ticker.read();
    boolean completed;
    try {
      completed = store.complete(storeKey, owner, stored, ttl);
    } catch (RuntimeException e) {
      storeCall("complete", start, e);
      log.error("Idempotency store failed to store a response that was already sent; its key stays claimed until "
          + "the lease of {} runs out, then a retry runs the request again", lease, e);
      return;
    }
    storeCall("complete", start, null);
    if (!completed) {
      leaseLost("stored");
    }
  }

  private void release(String storeKey, String owner, @Nullable String reason) {
    if (reason != null && log.isDebugEnabled()) {
      log.debug("Releasing an idempotency key, so a retry runs again: {}", reason);
    }
    long start = ticker.read();
    boolean released;
    try {
      released = store.release(storeKey, owner);
    } catch (RuntimeException e) {
      storeCall("release", start, e);
      log.error("Idempotency store failed to release a key after its response was sent; the key stays claimed "
          + "until the lease of {} runs out", lease, e);
      return;
    }
    storeCall("release", start, null);
    if (!released) {
      leaseLost("released");
    }
  }

  private void leaseLost(String what) {
    log.warn("A handler under an idempotency rule finished after its lease of {} ran out and another request "
        + "took the key over (or the record was evicted): its response was sent but not {}, and the request "
        + "may have run twice. Raise the lease above the slowest handler.", lease, what);
    for (IdempotencyListener listener : listeners) {
      try {
        listener.onLeaseLost();
      } catch (RuntimeException e) {
        log.warn("Idempotency listener {} failed", listener, e);
      }
    }
  }

  private List<StoredResponse.Header> storedHeaders(RecordingResponse response) {
    List<StoredResponse.Header> headers = new ArrayList<>();
    String contentType = response.getContentType();
    if (contentType != null && storedHeaders.contains("content-type")) {
      headers.add(new StoredResponse.Header("Content-Type", contentType));
    }
    Set<String> seen = new HashSet<>();
    seen.add("content-type");
    for (String name : response.getHeaderNames()) {
      String lower = HeaderNames.lower(name);
      if (!storedHeaders.contains(lower) || HeaderNames.neverStored(lower) || !seen.add(lower)) {
        continue;
      }
      for (String value : response.getHeaders(name)) {
        headers.add(new StoredResponse.Header(name, value));
      }
    }
    String language = response.contentLanguageFromLocale();
    if (language != null && storedHeaders.contains("content-language") && !seen.contains("content-language")) {
      headers.add(new StoredResponse.Header("Content-Language", language));
    }
    return headers;
  }

  private void replay(HttpServletResponse response, StoredResponse stored) throws IOException {
    response.setStatus(stored.status());
    Set<String> set = new HashSet<>();
    for (StoredResponse.Header header : stored.headers()) {
      String lower = HeaderNames.lower(header.name());
      if (HeaderNames.neverStored(lower)) {
        continue; // defence in depth against records written by another configuration
      }
      if (lower.equals("content-type")) {
        response.setContentType(header.value());
      } else if (set.add(lower)) {
        response.setHeader(header.name(), header.value());
      } else {
        response.addHeader(header.name(), header.value());
      }
    }
    response.setHeader(REPLAYED_HEADER, "true");
    byte[] bytes = stored.body();
    response.setContentLength(bytes.length);
    if (bytes.length > 0) {
      response.getOutputStream().write(bytes);
    }
  }

  private void mismatch(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
      boolean shadow) throws IOException, ServletException {
    if (shadow) {
      pass(request, response, chain, Outcome.MISMATCH);
      return;
    }
    notify(false, Outcome.MISMATCH);
    writeProblem(request, response, Problem.builder(422).type(MISMATCH_TYPE).title("Idempotency key reused")
        .detail("This idempotency key was already used for a different request (method, path, body or "
            + "headers); send a new key for a new request.")
        .build());
  }

  private void rejectTooLarge(HttpServletRequest request, HttpServletResponse response) throws IOException {
    reject(request, response, Problem.builder(413).type(TOO_LARGE_TYPE).title("Request too large")
        .detail("Requests with an idempotency key may have bodies of up to " + maxRequestBody + " bytes.")
        .extension("maxBytes", maxRequestBody)
        .build());
  }

  private void reject(HttpServletRequest request, HttpServletResponse response, Problem problem)
      throws IOException {
    notify(false, Outcome.REJECTED);
    writeProblem(request, response, problem);
  }

  private void writeProblem(HttpServletRequest request, HttpServletResponse response, Problem problem)
      throws IOException {
    responseWriter.write(request, response, problem);
  }

  /** A shadow rule's request that enforcement would not have executed: it runs untouched. */
  private void pass(HttpServletRequest request, HttpServletResponse response, FilterChain chain, Outcome wouldBe)
      throws IOException, ServletException {
    notify(true, wouldBe);
    chain.doFilter(request, response);
  }

  /**
   * Tells the listeners. Called before a response the filter writes itself: the client may see it as soon as
   * its last byte is written, and by then metrics must have counted it.
   */
  private void notify(boolean shadow, Outcome outcome) {
    for (IdempotencyListener listener : listeners) {
      try {
        if (shadow) {
          listener.onShadowRequest(outcome);
        } else {
          listener.onRequest(outcome);
        }
      } catch (RuntimeException e) {
        log.warn("Idempotency listener {} failed; the request is unaffected", listener, e);
      }
    }
  }

  private void storeCall(String operation, long start, @Nullable Throwable failure) {
    if (listeners.length == 0) {
      return;
    }
    Duration latency = Duration.ofNanos(Math.max(0, ticker.read() - start));
    for (IdempotencyListener listener : listeners) {
      try {
        listener.onStoreCall(operation, latency, failure);
      } catch (RuntimeException e) {
        log.warn("Idempotency listener {} failed; the request is unaffected", listener, e);
      }
    }
  }

  private void claimFailed(RuntimeException e, boolean shadow) {
    String consequence = shadow ? "the shadow rule lets the request run" : "answering 503 without running it";
    if (!(e instanceof IdempotencyStoreException)) {
      log.error("Idempotency store {} failed unexpectedly while claiming a key; {}", store, consequence, e);
    } else if (storeFailing.compareAndSet(false, true)) {
      log.warn("Idempotency store {} cannot claim keys; {} until it answers again", store, consequence, e);
    } else {
      log.debug("Idempotency store still failing: {}", e.toString());
    }
  }

  private @Nullable IdempotencyRule match(String method, String path) {
    for (IdempotencyRule rule : rules) {
      if (rule.matches(method, path)) {
        return rule;
      }
    }
    return null;
  }

  private static String missingKeyDetail(IdempotencyRule rule) {
    if (rule.key() instanceof HeaderKeyExtractor header) {
      return "This request needs an idempotency key in the " + header.name() + " header: 1 to " + MAX_KEY_LENGTH
          + " visible ASCII characters, new for each new request.";
    }
    return "This request needs an idempotency key.";
  }

  /** Whether {@code key} is 1 to 255 visible ASCII characters (0x21-0x7E). */
  static boolean isValidKey(String key) {
    int length = key.length();
    if (length == 0 || length > MAX_KEY_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = key.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }

  static long retryAfterSeconds(Duration leaseRemaining) {
    long millis = leaseRemaining.toMillis();
    long seconds = millis / 1000 + (millis % 1000 == 0 ? 0 : 1);
    return Math.max(1, Math.min(MAX_RETRY_AFTER_SECONDS, seconds));
  }

  private static String newOwner() {
    // Unique per attempt, not secret: a fast random UUID (no SecureRandom on the request path).
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  private static String fingerprint(IdempotencyRule rule, BufferedBodyRequest request, String method,
      String path) {
    List<String> names = rule.fingerprintHeaders();
    List<List<String>> values = new ArrayList<>(names.size());
    for (String name : names) {
      Enumeration<String> headerValues = request.getHeaders(name);
      values.add(headerValues == null ? List.of() : Collections.list(headerValues));
    }
    Map<String, String[]> parameters = null;
    if (request.length == 0 && BufferedBodyRequest.isForm(request.getContentType())) {
      // A filter before this one parsed the form, draining the body: fingerprint its parameters instead.
      parameters = request.getParameterMap();
    }
    return RequestDigests.fingerprint(method, path, request.getQueryString(), names, values, request.body,
        request.length, parameters);
  }

  /**
   * Reads the body, at most {@code limit} bytes. Returns {@code null} when it is larger under an enforcing
   * rule; under a shadow rule, a body marked {@code overLimit} whose request replays what was read followed
   * by the rest.
   *
   * <p>The buffer starts at {@link #FIRST_BODY_BUFFER} bytes at most, whatever {@code Content-Length}
   * declares, and doubles as bytes arrive: a declared length costs the client nothing to send, so sizing the
   * buffer by it would let connections that declare the limit and send one byte hold the limit each. When
   * the buffer is full, one byte is read before growing it, so a body that fits exactly (the usual case with
   * a declared length) is never copied.
   */
  static @Nullable BufferedBodyRequest readBody(HttpServletRequest request, long declared, int limit,
      boolean shadow) throws IOException {
    if (declared == 0) {
      return new BufferedBodyRequest(request, new byte[0], 0, null);
    }
    long first = declared > 0 ? Math.min(declared, limit) : limit;
    byte[] buffer = new byte[(int) Math.min(first, FIRST_BODY_BUFFER)];
    InputStream in = request.getInputStream();
    int length = 0;
    while (length <= limit) {
      if (length == buffer.length) {
        int next = in.read();
        if (next < 0) {
          break;
        }
        // Double, but never past the limit, except by the one byte that shows the body is over it.
        buffer = Arrays.copyOf(buffer, length == limit ? limit + 1 : (int) Math.min(limit, 2L * length));
        buffer[length++] = (byte) next;
        continue;
      }
      int n = in.read(buffer, length, buffer.length - length);
      if (n < 0) {
        break;
      }
      length += n;
    }
    if (length <= limit) {
      return new BufferedBodyRequest(request, buffer, length, null);
    }
    if (!shadow) {
      return null;
    }
    BufferedBodyRequest over = new BufferedBodyRequest(request, buffer, length, in);
    over.overLimit = true;
    return over;
  }


  @Override
  public String toString() {
    return "IdempotencyFilter[store=" + store + ", rules=" + List.of(rules) + ", lease=" + lease + ", ttl=" + ttl
        + "]";
  }

  /** Completes or releases the claim of an async request when it ends. */
  private final class AsyncCompletion implements AsyncListener {

    private final String storeKey;
    private final String owner;
    private final RecordingResponse recording;
    private volatile boolean failed;

    AsyncCompletion(String storeKey, String owner, RecordingResponse recording) {
      this.storeKey = storeKey;
      this.owner = owner;
      this.recording = recording;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      finish(storeKey, owner, recording, failed);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      failed = true;
    }

    @Override
    public void onError(AsyncEvent event) {
      failed = true;
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      AsyncContext restarted = event.getAsyncContext();
      if (restarted != null) {
        restarted.addListener(this);
      }
    }
  }

  /**
   * Configures an {@link IdempotencyFilter}. Each method validates its argument at once and names a bad
   * value. Not thread-safe; the filter it builds is.
   */
  public static final class Builder {

    private @Nullable IdempotencyStore store;
    private final List<IdempotencyRule> rules = new ArrayList<>();
    private Function<HttpServletRequest, @Nullable String> principal = Builder::userPrincipalName;
    private Duration lease = DEFAULT_LEASE;
    private Duration ttl = DEFAULT_TTL;
    private int maxRequestBody = DEFAULT_MAX_BODY;
    private int maxStoredBody = DEFAULT_MAX_BODY;
    private Set<Integer> nonStoredStatuses = DEFAULT_NON_STORED;
    private final Set<String> storedHeaders = new LinkedHashSet<>(DEFAULT_STORED_HEADERS);
    private @Nullable ProblemResponseWriter responseWriter;
    private final List<IdempotencyListener> listeners = new ArrayList<>();
    private Ticker ticker = Ticker.SYSTEM;
    private @Nullable BooleanSupplier enabled;
    private @Nullable BooleanSupplier shadow;

    private Builder() {
    }

    private static @Nullable String userPrincipalName(HttpServletRequest request) {
      Principal user = request.getUserPrincipal();
      return user == null ? null : user.getName();
    }

    /**
     * Sets where records live. Required. The filter never closes it.
     *
     * @param store for example a {@code MemoryIdempotencyStore}, or a Redis or JDBC store shared by all
     *     instances
     * @return this builder
     */
    public Builder store(IdempotencyStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Adds a rule; at least one is required. The first rule matching a request applies.
     *
     * @param rule the rule
     * @return this builder
     */
    public Builder rule(IdempotencyRule rule) {
      rules.add(Objects.requireNonNull(rule, "rule"));
      return this;
    }

    /**
     * Sets how the principal that scopes keys is found. Default: {@code getUserPrincipal().getName()}. A
     * {@code null} principal is the anonymous scope, shared by every request without one.
     *
     * @param principal a thread-safe function of the request, for example reading an authenticated user id
     * @return this builder
     */
    public Builder principal(Function<HttpServletRequest, @Nullable String> principal) {
      this.principal = Objects.requireNonNull(principal, "principal");
      return this;
    }

    /**
     * Sets how long a claim holds before another request may take the key over. Default 60 seconds: as
     * long as the usual proxy and load-balancer timeouts, after which the client has given up on the first
     * attempt anyway. Longer than the slowest handler, so a slow but alive handler is never run twice; short
     * enough that a crashed or hung one frees its key within a minute.
     *
     * @param lease positive, at most the ttl
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder lease(Duration lease) {
      this.lease = requirePositive("lease", lease);
      return this;
    }

    /**
     * Sets how long a stored response is replayed. Default 24 hours.
     *
     * @param ttl positive, at least the lease
     * @return this builder
     * @throws IllegalArgumentException when not positive
     */
    public Builder ttl(Duration ttl) {
      this.ttl = requirePositive("ttl", ttl);
      return this;
    }

    /**
     * Sets the largest request body accepted under a rule; larger ones are answered {@code 413} (or, under a
     * shadow rule, pass un-deduplicated). The body is held in memory while the request runs, in a buffer that
     * grows with the bytes received, not with the {@code Content-Length} declared. Default 1 MiB.
     *
     * @param bytes 0 or more
     * @return this builder
     * @throws IllegalArgumentException when negative or too large to buffer
     */
    public Builder maxRequestBody(long bytes) {
      this.maxRequestBody = requireSize("maxRequestBody", bytes);
      return this;
    }

    /**
     * Sets the largest response body stored; a larger response is sent, not stored, and its key released
     * (with a warning), so a retry runs again. Default 1 MiB.
     *
     * @param bytes 0 or more
     * @return this builder
     * @throws IllegalArgumentException when negative or too large to buffer
     */
    public Builder maxStoredBody(long bytes) {
      this.maxStoredBody = requireSize("maxStoredBody", bytes);
      return this;
    }

    /**
     * Sets the 2xx to 4xx statuses that are not stored but released, so a retry runs again, replacing the
     * default 401, 403, 408, 409 and 429. 5xx statuses are never stored.
     *
     * @param statuses statuses between 200 and 499, possibly none
     * @return this builder
     * @throws IllegalArgumentException naming a status outside 200 to 499
     */
    public Builder nonStoredStatuses(int... statuses) {
      Objects.requireNonNull(statuses, "nonStoredStatuses");
      Set<Integer> valid = new LinkedHashSet<>();
      for (int status : statuses) {
        if (status < 200 || status > 499) {
          throw new IllegalArgumentException("nonStoredStatuses must be between 200 and 499 (5xx are never stored): "
              + status);
        }
        valid.add(status);
      }
      this.nonStoredStatuses = Set.copyOf(valid);
      return this;
    }

    /**
     * Adds response headers to store and replay besides the default allow-list ({@code Content-Type},
     * {@code Content-Language}, {@code Content-Location}, {@code Location}, {@code ETag},
     * {@code Last-Modified}, {@code Cache-Control}, {@code Link}, {@code Retry-After}).
     *
     * @param names header names such as {@code X-Payment-Id}
     * @return this builder
     * @throws IllegalArgumentException naming a value that is not a header name, or one that must never be
     *     stored ({@code Set-Cookie}, {@code Authorization}, {@code WWW-Authenticate}, hop-by-hop headers,
     *     {@code Proxy-*}, {@code Content-Length}, {@code Date}, {@code Idempotent-Replayed})
     */
    public Builder storedHeaders(String... names) {
      Objects.requireNonNull(names, "storedHeaders");
      List<String> valid = new ArrayList<>(names.length);
      for (String name : names) {
        HeaderNames.requireValid("stored header", name);
        if (HeaderNames.neverStored(HeaderNames.lower(name))) {
          throw new IllegalArgumentException("stored header must not be a credential, cookie, hop-by-hop or "
              + "computed header, which are never replayed: '" + name + "'");
        }
        valid.add(name);
      }
      storedHeaders.addAll(valid);
      return this;
    }

    /**
     * Sets the writer of the problems. Default {@link ProblemResponseWriter#create()}; pass the
     * application's writer to share its listeners.
     *
     * @param responseWriter the writer
     * @return this builder
     */
    public Builder responseWriter(ProblemResponseWriter responseWriter) {
      this.responseWriter = Objects.requireNonNull(responseWriter, "responseWriter");
      return this;
    }

    /**
     * Adds a listener; listeners run in the order added.
     *
     * @param listener the listener, for example {@code IdempotencyMetrics}
     * @return this builder
     */
    public Builder listener(IdempotencyListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Sets the run-time switch: read once at the start of every request, and while it returns
     * {@code false} the filter calls the chain with the request and response untouched: no key is read,
     * nothing is claimed, stored or replayed, so a duplicate runs the handler again. A request that
     * started while it returned {@code true} finishes as it started, completing or releasing its claim. By
     * default the filter is always on.
     *
     * <p>The supplier is called on request threads, concurrently, so it must be thread-safe and cheap (a
     * volatile read, such as {@code ComponentSwitch} from {@code otto-core}); an exception it throws
     * propagates to the container.
     *
     * @param enabled whether the filter handles the next request
     * @return this builder
     */
    public Builder enabled(BooleanSupplier enabled) {
      this.enabled = Objects.requireNonNull(enabled, "enabled");
      return this;
    }

    /**
     * Sets the run-time shadow override: read once for every request that matches a rule, and while it
     * returns {@code true} the rule behaves as a {@link IdempotencyRule.Builder#shadow shadow} rule for
     * that request: the handler always runs and duplicates, mismatches and rejections are only reported
     * through {@link IdempotencyListener#onShadowRequest}. While it returns {@code false} each rule keeps
     * its own mode. By default there is no override.
     *
     * <p>The supplier is called on request threads, concurrently, so it must be thread-safe and cheap,
     * such as {@code ComponentSwitch.shadow()} from {@code otto-core}; an exception it throws propagates
     * to the container.
     *
     * @param shadow whether every rule only observes the next request
     * @return this builder
     */
    public Builder shadow(BooleanSupplier shadow) {
      this.shadow = Objects.requireNonNull(shadow, "shadow");
      return this;
    }

    /** Measures store latency with {@code ticker}; for tests. */
    Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Creates the filter.
     *
     * @return the immutable filter
     * @throws IllegalStateException when the store or every rule is missing, or the ttl is shorter than the
     *     lease
     */
    public IdempotencyFilter build() {
      if (store == null) {
        throw new IllegalStateException("IdempotencyFilter needs a store; call store(IdempotencyStore)");
      }
      if (rules.isEmpty()) {
        throw new IllegalStateException("IdempotencyFilter needs at least one rule; call rule(IdempotencyRule)");
      }
      if (ttl.compareTo(lease) < 0) {
        throw new IllegalStateException("ttl must not be shorter than the lease: ttl " + ttl + ", lease " + lease);
      }
      return new IdempotencyFilter(this, store);
    }

    private static Duration requirePositive(String name, Duration duration) {
      Objects.requireNonNull(duration, name);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + duration);
      }
      return duration;
    }

    private static int requireSize(String name, long bytes) {
      if (bytes < 0 || bytes > MAX_BUFFER) {
        throw new IllegalArgumentException(name + " must be between 0 and " + MAX_BUFFER + " bytes: " + bytes);
      }
      return (int) bytes;
    }
  }
}
