package dev.otto.spring.problem;

import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ProblemResponseWriter;
import dev.otto.problem.trace.TraceContext;
import java.io.IOException;
import java.util.function.BooleanSupplier;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tomcat's error report as an RFC 9457 problem. Tomcat answers some requests itself before any filter
 * runs (a malformed header line, too many headers, a bad request line); its default report is an HTML
 * page. This valve writes the same problem shape Otto's filters write, with a fresh trace id in the
 * response header and the body, and the {@code instance} the writer gives every problem: the request path
 * when Tomcat parsed one that is safe to repeat, otherwise {@code /}. (When the request target holds a
 * character RFC 3986 forbids, such as {@code GET /foo|bar}, Tomcat stops parsing at once and leaves the
 * request URI {@code null}; the only copy of the target is in its localised exception message, which is not
 * read.) Nothing else of the request is quoted back.
 *
 * <p>It follows the switches as the filters do: while problems are switched off it writes Tomcat's plain
 * report, as without Otto, and while trace ids are off (at start or at run time) it adds none.
 */
final class ProblemErrorReportValve extends ErrorReportValve {

  private static final Logger log = LoggerFactory.getLogger(ProblemErrorReportValve.class);

  private final ProblemResponseWriter writer;
  private final BooleanSupplier problems;
  private final BooleanSupplier traceIds;
  private final String traceHeader;

  ProblemErrorReportValve(
      ProblemResponseWriter writer, BooleanSupplier problems, BooleanSupplier traceIds, String traceHeader) {
    this.writer = writer;
    this.problems = problems;
    this.traceIds = traceIds;
    this.traceHeader = traceHeader;
    setShowReport(false);
    setShowServerInfo(false);
  }

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    if (!problems.getAsBoolean()) {
      super.report(request, response, throwable);
      return;
    }
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    Problem.Builder problem = Problem.builder(status);
    if (traceIds.getAsBoolean()) {
      String traceId = TraceContext.from(request).orElseGet(TraceContext::random).traceId();
      if (response.getHeader(traceHeader) == null) {
        response.setHeader(traceHeader, traceId);
      }
      problem.extension("traceId", traceId);
    }
    try {
      writer.write(request, response, problem.build());
    } catch (IOException | RuntimeException e) {
      log.debug("Could not write the error report for status {}", status, e);
    }
  }
}
