package dev.otto.spring.problem;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitches;
import dev.otto.problem.micrometer.ProblemMetrics;
import dev.otto.problem.servlet.ExceptionMappings;
import dev.otto.problem.servlet.ProblemFilter;
import dev.otto.problem.servlet.ProblemListener;
import dev.otto.problem.servlet.ProblemResponseWriter;
import dev.otto.spring.BooleanProperty;
import dev.otto.spring.ConditionalOnBoolean;
import dev.otto.spring.OttoFilterOrder;
import jakarta.servlet.DispatcherType;
import java.util.function.BooleanSupplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Answers every error of a servlet application as an RFC 9457 problem: exceptions escaping the filter
 * chain, {@code sendError} from the container or a framework, and Spring MVC's own exceptions.
 *
 * <p>Active unless {@code otto.problem.enabled=false}. Each bean backs off when the application defines its
 * own of the same type (or, for the filter registration, of the same name).
 */
@AutoConfiguration(beforeName = "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(ProblemFilter.class)
@ConditionalOnBoolean(name = "otto.problem.enabled", matchIfMissing = true)
@EnableConfigurationProperties(OttoProblemProperties.class)
public final class OttoProblemAutoConfiguration {

  /** Bean name of the problem filter's registration, to replace or disable it. */
  public static final String FILTER_REGISTRATION = "ottoProblemFilterRegistration";

  /**
   * Bean name of the Tomcat customizer that answers requests Tomcat rejects itself as problems; a bean of
   * this name replaces it (a no-op one keeps Tomcat's own report).
   */
  public static final String ERROR_REPORT_CUSTOMIZER = "ottoProblemErrorReportCustomizer";

  @Bean
  @ConditionalOnMissingBean
  ExceptionMappings ottoExceptionMappings(ObjectProvider<ExceptionMappingsCustomizer> customizers) {
    ExceptionMappings.Builder builder = ExceptionMappings.builder();
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    return builder.build();
  }

  @Bean
  @ConditionalOnMissingBean
  ProblemResponseWriter ottoProblemResponseWriter(ObjectProvider<ProblemListener> listeners) {
    ProblemResponseWriter.Builder builder = ProblemResponseWriter.builder();
    listeners.orderedStream().forEach(builder::listener);
    return builder.build();
  }

  @Bean(name = FILTER_REGISTRATION)
  @ConditionalOnMissingBean(name = FILTER_REGISTRATION)
  FilterRegistrationBean<ProblemFilter> ottoProblemFilterRegistration(
      ExceptionMappings mappings, ProblemResponseWriter writer, ComponentSwitches switches) {
    ProblemFilter filter =
        ProblemFilter.builder()
            .exceptionMappings(mappings)
            .responseWriter(writer)
            .enabled(switches.get(Component.PROBLEM))
            .build();
    FilterRegistrationBean<ProblemFilter> registration = new FilterRegistrationBean<>(filter);
    registration.setName("ottoProblemFilter");
    registration.setOrder(OttoFilterOrder.PROBLEM);
    // INCLUDE too: after a failure on a committed response the container includes its error page into
    // the partial body; the filter blocks that so a truncated response stays visibly truncated.
    registration.setDispatcherTypes(
        DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR, DispatcherType.INCLUDE);
    registration.setAsyncSupported(true);
    return registration;
  }

  /** Spring MVC's exceptions in the same problem format, written by the same writer. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ResponseEntityExceptionHandler.class)
  @ConditionalOnBoolean(name = "otto.problem.mvc-exceptions", matchIfMissing = true)
  static final class MvcExceptions {

    // The declared type must be the @ControllerAdvice class itself: Spring MVC finds advice beans by
    // the annotations on their declared type.
    @Bean
    @ConditionalOnMissingBean(ResponseEntityExceptionHandler.class)
    OttoMvcExceptionHandler ottoMvcExceptionHandler(
        ProblemResponseWriter writer, ExceptionMappings mappings, ComponentSwitches switches) {
      return new OttoMvcExceptionHandler(writer, mappings, switches.get(Component.PROBLEM));
    }
  }

  /**
   * Requests Tomcat rejects before any filter runs (malformed header lines, too many headers) are
   * answered as problems too, instead of Tomcat's HTML page, following the problem and trace switches.
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = {
        "org.apache.catalina.valves.ErrorReportValve",
        "org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory"
      })
  static final class TomcatErrorReport {

    @Bean(name = ERROR_REPORT_CUSTOMIZER)
    @ConditionalOnMissingBean(name = ERROR_REPORT_CUSTOMIZER)
    WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> ottoProblemErrorReportCustomizer(
        ProblemResponseWriter writer, ComponentSwitches switches, Environment environment) {
      // Trace ids off at start leaves the TRACE switch on, but no filter behind it.
      BooleanSupplier traceIds =
          BooleanProperty.read(environment, "otto.trace.enabled", true)
              ? switches.get(Component.TRACE)
              : () -> false;
      return new ProblemErrorReportCustomizer(
          writer,
          switches.get(Component.PROBLEM),
          traceIds,
          environment.getProperty("otto.trace.response-header", "X-Trace-Id"));
    }
  }

  /** Counts problem responses when Micrometer is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  static final class Metrics {

    @Bean
    @ConditionalOnMissingBean
    ProblemMetrics ottoProblemMetrics() {
      return new ProblemMetrics();
    }
  }
}
