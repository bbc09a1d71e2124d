package dev.otto.spring.problem;

import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ProblemResponseWriter;
import dev.otto.problem.trace.TraceContext;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tomcat's error report as an RFC 9457 problem. Tomcat answers some requests itself before any filter
 * runs (a malformed header line, too many headers, a bad request line); its default report is an HTML
 * page. This valve writes the same problem shape Otto's filters write, with a fresh trace id in the
 * response header and the body, and an {@code instance} that is the request path when Tomcat parsed one
 * that is safe to repeat, otherwise {@code /} (see {@link #instance}). Nothing else of the request is
 * quoted back.
 */
final class ProblemErrorReportValve extends ErrorReportValve {

  private static final Logger log = LoggerFactory.getLogger(ProblemErrorReportValve.class);

  /** Longest request path repeated as {@code instance}; a longer one is replaced by {@code /}, not cut. */
  static final int MAX_INSTANCE_LENGTH = 2048;

  private final ProblemResponseWriter writer;
  private final String traceHeader;

  ProblemErrorReportValve(ProblemResponseWriter writer, String traceHeader) {
    this.writer = writer;
    this.traceHeader = traceHeader;
    setShowReport(false);
    setShowServerInfo(false);
  }

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    String traceId =
        TraceContext.from(request).orElseGet(TraceContext::random).traceId();
    if (response.getHeader(traceHeader) == null) {
      response.setHeader(traceHeader, traceId);
    }
    try {
      writer.write(request, response, Problem.builder(status)
          .instance(instance(request.getRequestURI()))
          .extension("traceId", traceId)
          .build());
    } catch (IOException | RuntimeException e) {
      log.debug("Could not write the error report for status {}", status, e);
    }
  }

  /**
   * The {@code instance} for a request Tomcat answered itself: its path when that is safe to repeat,
   * otherwise {@code /}.
   *
   * <p>When the request target holds a character RFC 3986 forbids ({@code GET /foo|bar}, {@code
   * /health?a=b|c}), Tomcat stops parsing at once and leaves the request URI {@code null}: no servlet API
   * and no attribute holds the target then. The only copy is inside Tomcat's exception message, which is
   * localised diagnostic text that renders some bytes differently ({@code /é|} as {@code /0xe9|}), so it
   * is not read. The problem then names {@code /}: still a path, as every other Otto problem's
   * {@code instance} is, and one that repeats nothing the client sent.
   *
   * <p>A parsed URI (Tomcat rejected something else, such as a header) is used up to its first character
   * that may not appear in an RFC 3986 path, or its first malformed percent escape: Tomcat's relaxed
   * parsing options can let through characters a URI may not hold, and the query never reaches the
   * request URI but is cut off here too. A path that does not start with {@code /} (an asterisk or
   * absolute form), or whose usable part is longer than {@value #MAX_INSTANCE_LENGTH} characters, gives
   * {@code /}: a request line may be as long as the header limit (32 KB in the demo), and oversized input
   * is not echoed.
   */
  static String instance(@Nullable String requestUri) {
    if (requestUri == null || !requestUri.startsWith("/")) {
      return "/";
    }
    int end = 0;
    while (end < requestUri.length()) {
      char c = requestUri.charAt(end);
      if (c == '%') {
        if (end + 2 >= requestUri.length() || !isHexDigit(requestUri.charAt(end + 1))
            || !isHexDigit(requestUri.charAt(end + 2))) {
          break;
        }
        end += 3;
      } else if (isPathChar(c)) {
        end++;
      } else {
        break;
      }
    }
    return end > MAX_INSTANCE_LENGTH ? "/" : requestUri.substring(0, end);
  }

  // RFC 3986 pchar (less pct-encoded, handled above) and "/": unreserved, sub-delims, ":" and "@".
  private static boolean isPathChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
  }

  private static boolean isHexDigit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
