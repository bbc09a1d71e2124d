package dev.otto.spring.problem;

import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ExceptionMappings;
import dev.otto.problem.servlet.ProblemResponseWriter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Lets Spring MVC decide status, headers and wording for its own exceptions (404, 405 with {@code Allow},
 * 415, malformed bodies, ...) and writes the result through Otto's {@link ProblemResponseWriter}, so a
 * client sees one problem format whether the error came from a controller, a filter or the container.
 * The one header it completes is a 405's {@code Allow}, which Spring MVC limits to the mapped methods.
 *
 * <p>Exceptions with a registered {@link ExceptionMappings mapping} (including {@link
 * dev.otto.problem.ProblemException}) are answered here too, inside every filter that wraps the handler, so
 * that, for example, the idempotency filter stores a mapped 400 like any other response. Exceptions without
 * a mapping are rethrown unchanged and reach the {@link dev.otto.problem.servlet.ProblemFilter}, which
 * answers with a bare 500 and logs them once.
 *
 * <p>Lowest precedence: an application's own {@code @ControllerAdvice} handlers win.
 */
@ControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
final class OttoMvcExceptionHandler extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(OttoMvcExceptionHandler.class);
  private static final URI ABOUT_BLANK = URI.create("about:blank");

  /**
   * Longest detail of Spring MVC's kept: its 404 and 405 details repeat the request's path or method, which
   * may be as long as the server's header limit, and oversized input is not echoed (as with {@code
   * instance}, which names a path of at most 2048 characters).
   */
  private static final int MAX_DETAIL_LENGTH = 2048;

  private final ProblemResponseWriter writer;
  private final ExceptionMappings mappings;
  private final BooleanSupplier enabled;

  OttoMvcExceptionHandler(
      ProblemResponseWriter writer, ExceptionMappings mappings, BooleanSupplier enabled) {
    this.writer = writer;
    this.mappings = mappings;
    this.enabled = enabled;
  }

  /**
   * Answers exceptions that have a mapping; rethrows the others unchanged, which Spring MVC lets propagate
   * without logging. Spring MVC's own exceptions have more specific handlers and never reach this one.
   *
   * <p>Switched off at run time, a mapped exception still gets the status its mapping gives (an
   * application's {@link dev.otto.problem.ProblemException} for a 400 stays a 400, not a 500), answered as
   * Spring MVC answers a {@code ResponseStatusException}: through the container's error page, in Spring
   * Boot's own format rather than as a problem.
   */
  @ExceptionHandler(Exception.class)
  void handleMapped(Exception exception, HttpServletRequest request, HttpServletResponse response)
      throws Exception {
    Problem problem = mappings.toProblem(exception, request);
    if (problem == null) {
      throw exception;
    }
    if (enabled.getAsBoolean()) {
      writer.write(request, response, problem);
    } else {
      ProblemExceptionStatusAdvice.sendStatus(exception, problem.status(), response);
    }
  }

  /**
   * Lists in {@code Allow} every method the resource supports (RFC 9110, section 10.2.1), not only the
   * mapped ones Spring MVC names: HEAD wherever GET is mapped, since Spring MVC answers HEAD with the GET
   * handler, and OPTIONS, since it answers OPTIONS for every mapped resource. That is the set its own
   * OPTIONS answer lists (GET,HEAD,OPTIONS for a GET mapping), so a client sees one answer either way.
   */
  @Override
  protected @Nullable ResponseEntity<Object> handleHttpRequestMethodNotSupported(
      HttpRequestMethodNotSupportedException ex,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    Set<HttpMethod> mapped = ex.getSupportedHttpMethods();
    if (mapped == null || mapped.isEmpty() || !enabled.getAsBoolean()) {
      return super.handleHttpRequestMethodNotSupported(ex, headers, status, request);
    }
    Set<HttpMethod> allowed = new LinkedHashSet<>(mapped);
    if (allowed.contains(HttpMethod.GET)) {
      allowed.add(HttpMethod.HEAD);
    }
    allowed.add(HttpMethod.OPTIONS);
    HttpHeaders withAllowed = HttpHeaders.copyOf(headers);
    withAllowed.setAllow(allowed);
    return super.handleHttpRequestMethodNotSupported(ex, withAllowed, status, request);
  }

  /**
   * Writes the response Spring MVC prepared and returns {@code null}, which tells Spring MVC the request
   * is handled and leaves no body for its own converters to render.
   */
  @Override
  protected @Nullable ResponseEntity<Object> handleExceptionInternal(
      Exception ex,
      @Nullable Object body,
      HttpHeaders headers,
      HttpStatusCode statusCode,
      WebRequest webRequest) {
    ResponseEntity<Object> prepared =
        super.handleExceptionInternal(ex, body, headers, statusCode, webRequest);
    // Switched off at run time: Spring MVC answers as it would without Otto.
    if (prepared == null
        || !enabled.getAsBoolean()
        || !(webRequest instanceof NativeWebRequest nativeRequest)) {
      return prepared;
    }
    HttpServletRequest request = nativeRequest.getNativeRequest(HttpServletRequest.class);
    HttpServletResponse response = nativeRequest.getNativeResponse(HttpServletResponse.class);
    if (request == null || response == null) {
      return prepared;
    }
    int status = prepared.getStatusCode().value();
    if (status >= 500) {
      log.error("Spring MVC failed to handle {} {}", request.getMethod(), request.getRequestURI(), ex);
    }
    prepared.getHeaders().forEach((name, values) -> values.forEach(v -> response.addHeader(name, v)));
    try {
      writer.write(request, response, toProblem(prepared.getBody(), status));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return null;
  }

  private static Problem toProblem(@Nullable Object body, int status) {
    Problem.Builder problem = Problem.builder(status);
    if (!(body instanceof ProblemDetail detail)) {
      return problem.build();
    }
    URI type = detail.getType();
    if (type != null && !ABOUT_BLANK.equals(type)) {
      problem.type(type);
    }
    if (detail.getTitle() != null) {
      problem.title(detail.getTitle());
    }
    // Spring's 4xx details describe what the client sent; 5xx details describe the server and stay out.
    String text = detail.getDetail();
    if (status < 500 && text != null && text.length() <= MAX_DETAIL_LENGTH) {
      problem.detail(text);
    }
    Map<String, @Nullable Object> properties = detail.getProperties();
    if (properties != null) {
      properties.forEach((name, value) -> problem.extension(name, jsonSafe(value)));
    }
    return problem.build();
  }

  private static @Nullable Object jsonSafe(@Nullable Object value) {
    if (value == null
        || value instanceof String
        || value instanceof Number
        || value instanceof Boolean
        || value instanceof Collection<?>
        || value instanceof Map<?, ?>) {
      return value;
    }
    return value.toString();
  }
}
