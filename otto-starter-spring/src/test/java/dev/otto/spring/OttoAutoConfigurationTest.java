package dev.otto.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.problem.Problem;
import dev.otto.problem.micrometer.ProblemMetrics;
import dev.otto.problem.servlet.ExceptionMappings;
import dev.otto.problem.servlet.ProblemFilter;
import dev.otto.problem.servlet.ProblemResponseWriter;
import dev.otto.problem.trace.TraceIdFilter;
import dev.otto.spring.problem.ExceptionMappingsCustomizer;
import dev.otto.spring.problem.OttoProblemAutoConfiguration;
import dev.otto.spring.trace.OttoTraceAutoConfiguration;
import dev.otto.spring.switches.OttoSwitchesAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

class OttoAutoConfigurationTest {

  private final WebApplicationContextRunner web =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  OttoSwitchesAutoConfiguration.class,
                  OttoTraceAutoConfiguration.class, OttoProblemAutoConfiguration.class));

  @Test
  void registersTheTraceFilterBeforeTheProblemFilterByDefault() {
    web.run(
        context -> {
          FilterRegistrationBean<?> trace =
              context.getBean(OttoTraceAutoConfiguration.FILTER_REGISTRATION, FilterRegistrationBean.class);
          FilterRegistrationBean<?> problem =
              context.getBean(OttoProblemAutoConfiguration.FILTER_REGISTRATION, FilterRegistrationBean.class);
          assertThat(trace.getFilter()).isInstanceOf(TraceIdFilter.class);
          assertThat(problem.getFilter()).isInstanceOf(ProblemFilter.class);
          assertThat(trace.getOrder()).isLessThan(problem.getOrder());
          assertThat(context).hasSingleBean(ProblemResponseWriter.class);
          assertThat(context).hasSingleBean(ExceptionMappings.class);
          assertThat(context).hasSingleBean(ResponseEntityExceptionHandler.class);
          assertThat(context).hasSingleBean(ProblemMetrics.class);
        });
  }

  @Test
  void problemEnabledFalseCreatesNoProblemBeans() {
    web.withPropertyValues("otto.problem.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(OttoProblemAutoConfiguration.FILTER_REGISTRATION);
              assertThat(context).doesNotHaveBean(ProblemResponseWriter.class);
              assertThat(context).doesNotHaveBean(ResponseEntityExceptionHandler.class);
              assertThat(context).hasBean(OttoTraceAutoConfiguration.FILTER_REGISTRATION);
            });
  }

  @Test
  void traceEnabledFalseCreatesNoTraceFilter() {
    web.withPropertyValues("otto.trace.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(OttoTraceAutoConfiguration.FILTER_REGISTRATION);
              assertThat(context).hasBean(OttoProblemAutoConfiguration.FILTER_REGISTRATION);
            });
  }

  @Test
  void mvcExceptionsFalseLeavesSpringMvcErrorsToSpring() {
    web.withPropertyValues("otto.problem.mvc-exceptions=false")
        .run(context -> assertThat(context).doesNotHaveBean(ResponseEntityExceptionHandler.class));
  }

  @Test
  void nothingIsRegisteredOutsideAServletApplication() {
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                  OttoSwitchesAutoConfiguration.class,
                OttoTraceAutoConfiguration.class, OttoProblemAutoConfiguration.class))
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(FilterRegistrationBean.class);
              assertThat(context).doesNotHaveBean(ProblemResponseWriter.class);
            });
  }

  @Test
  void applicationBeansReplaceOttosOwn() {
    web.withUserConfiguration(UserBeans.class)
        .run(
            context -> {
              assertThat(context.getBean(ExceptionMappings.class)).isSameAs(UserBeans.MAPPINGS);
              assertThat(context.getBean(ResponseEntityExceptionHandler.class))
                  .isInstanceOf(UserBeans.OwnHandler.class);
              assertThat(context.getBean(OttoProblemAutoConfiguration.FILTER_REGISTRATION))
                  .isSameAs(UserBeans.REGISTRATION);
            });
  }

  @Test
  void customizersContributeExceptionMappings() {
    web.withUserConfiguration(Customizer.class)
        .run(
            context -> {
              ExceptionMappings mappings = context.getBean(ExceptionMappings.class);
              Problem problem =
                  mappings.toProblem(new UnsupportedOperationException("x"), new MockHttpServletRequest());
              assertThat(problem).isNotNull();
              assertThat(problem.status()).isEqualTo(501);
            });
  }

  @Test
  void traceHeaderNamesAreBoundFromProperties() {
    web.withPropertyValues("otto.trace.response-header=X-Correlation-Id")
        .run(
            context -> {
              FilterRegistrationBean<?> trace =
                  context.getBean(OttoTraceAutoConfiguration.FILTER_REGISTRATION, FilterRegistrationBean.class);
              MockHttpServletResponse response = new MockHttpServletResponse();
              trace.getFilter().doFilter(new MockHttpServletRequest("GET", "/"), response, new MockFilterChain());
              assertThat(response.getHeader("X-Correlation-Id")).matches("[0-9a-f]{32}");
              assertThat(response.getHeader("X-Trace-Id")).isNull();
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class UserBeans {
    static final ExceptionMappings MAPPINGS = ExceptionMappings.builder().build();
    static final FilterRegistrationBean<ProblemFilter> REGISTRATION =
        new FilterRegistrationBean<>(ProblemFilter.create());

    static final class OwnHandler extends ResponseEntityExceptionHandler {}

    @Bean
    ExceptionMappings userMappings() {
      return MAPPINGS;
    }

    @Bean
    ResponseEntityExceptionHandler userHandler() {
      return new OwnHandler();
    }

    @Bean(OttoProblemAutoConfiguration.FILTER_REGISTRATION)
    FilterRegistrationBean<ProblemFilter> userRegistration() {
      return REGISTRATION;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class Customizer {
    @Bean
    ExceptionMappingsCustomizer notImplemented() {
      return mappings ->
          mappings.map(UnsupportedOperationException.class, (ex, request) -> Problem.of(501));
    }
  }
}
