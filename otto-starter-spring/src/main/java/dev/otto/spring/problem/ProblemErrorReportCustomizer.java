package dev.otto.spring.problem;

import dev.otto.problem.servlet.ProblemResponseWriter;
import java.util.function.BooleanSupplier;
import org.apache.catalina.Container;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.Valve;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Puts {@link ProblemErrorReportValve} in place of the host's error report valve. Runs after Spring
 * Boot's own customizer (which installs a plain report without details) and replaces whatever report
 * valve is there, so exactly one report is written.
 */
final class ProblemErrorReportCustomizer
    implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

  private final ProblemResponseWriter writer;
  private final BooleanSupplier problems;
  private final BooleanSupplier traceIds;
  private final String traceHeader;

  /**
   * @param problems whether problems are on (read on every report)
   * @param traceIds whether trace ids are on (read on every report)
   */
  ProblemErrorReportCustomizer(
      ProblemResponseWriter writer, BooleanSupplier problems, BooleanSupplier traceIds, String traceHeader) {
    this.writer = writer;
    this.problems = problems;
    this.traceIds = traceIds;
    this.traceHeader = traceHeader;
  }

  @Override
  public void customize(ConfigurableTomcatWebServerFactory factory) {
    // Swapped when the context starts: by then every customizer, Spring Boot's included, has added
    // whatever report valve it wanted, whatever order the customizers ran in.
    factory.addContextCustomizers(
        context ->
            context.addLifecycleListener(
                event -> {
                  if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
                    replaceReportValves(context.getParent());
                  }
                }));
  }

  private void replaceReportValves(Container host) {
    for (Valve valve : host.getPipeline().getValves()) {
      if (valve instanceof ErrorReportValve && !(valve instanceof ProblemErrorReportValve)) {
        host.getPipeline().removeValve(valve);
      }
    }
    for (Valve valve : host.getPipeline().getValves()) {
      if (valve instanceof ProblemErrorReportValve) {
        return;
      }
    }
    host.getPipeline().addValve(new ProblemErrorReportValve(writer, problems, traceIds, traceHeader));
  }

  @Override
  public int getOrder() {
    return Ordered.LOWEST_PRECEDENCE;
  }
}
