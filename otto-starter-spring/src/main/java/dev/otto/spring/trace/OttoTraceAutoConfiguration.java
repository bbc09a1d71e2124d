package dev.otto.spring.trace;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitches;
import dev.otto.problem.trace.TraceIdFilter;
import dev.otto.spring.OttoFilterOrder;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import dev.otto.spring.ConditionalOnBoolean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.util.StringUtils;

/**
 * Gives every request of a servlet application a trace id: from the current OpenTelemetry span, else a
 * valid W3C {@code traceparent}, else a new one. It lands in the MDC, in a request attribute and in the
 * {@code X-Trace-Id} response header.
 *
 * <p>Active unless {@code otto.trace.enabled=false}; the registration backs off when the application
 * declares a bean named {@value #FILTER_REGISTRATION}.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(TraceIdFilter.class)
@ConditionalOnBoolean(name = "otto.trace.enabled", matchIfMissing = true)
@EnableConfigurationProperties(OttoTraceProperties.class)
public final class OttoTraceAutoConfiguration {

  /** Bean name of the trace filter's registration, to replace or disable it. */
  public static final String FILTER_REGISTRATION = "ottoTraceIdFilterRegistration";

  @Bean(name = FILTER_REGISTRATION)
  @ConditionalOnMissingBean(name = FILTER_REGISTRATION)
  FilterRegistrationBean<TraceIdFilter> ottoTraceIdFilterRegistration(
      OttoTraceProperties properties, ComponentSwitches switches) {
    TraceIdFilter filter =
        TraceIdFilter.builder()
            .enabled(switches.get(Component.TRACE))
            .responseHeader(properties.getResponseHeader())
            .requestIdHeader(
                StringUtils.hasText(properties.getRequestIdHeader())
                    ? properties.getRequestIdHeader()
                    : null)
            .openTelemetry(properties.isOpenTelemetry())
            .build();
    FilterRegistrationBean<TraceIdFilter> registration = new FilterRegistrationBean<>(filter);
    registration.setName("ottoTraceIdFilter");
    registration.setOrder(OttoFilterOrder.TRACE);
    registration.setDispatcherTypes(
        DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR);
    registration.setAsyncSupported(true);
    return registration;
  }
}
