package dev.otto.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.RateLimitBackend;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.fallback.FallbackRateLimiter;
import dev.otto.ratelimit.local.LocalRateLimiter;
import dev.otto.ratelimit.micrometer.RateLimiterMetrics;
import dev.otto.ratelimit.servlet.ClientIpResolver;
import dev.otto.ratelimit.servlet.KeyResolver;
import dev.otto.ratelimit.servlet.RateLimitFilter;
import dev.otto.ratelimit.servlet.RateLimitRule;
import dev.otto.spring.ratelimit.OttoRateLimitAutoConfiguration;
import dev.otto.spring.ratelimit.RateLimitContexts;
import dev.otto.testsupport.RedisClusterProcesses;
import dev.otto.testsupport.TestServices;
import dev.otto.testsupport.Waiting;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class OttoRateLimitAutoConfigurationTest {

  private final WebApplicationContextRunner web = RateLimitContexts.web();

  private static final String[] GREETING = {
    "otto.ratelimit.policies.greeting.paths=/api/greeting",
    "otto.ratelimit.policies.greeting.limits[0].quota=2",
    "otto.ratelimit.policies.greeting.limits[0].period=10s",
  };

  @Test
  void withoutRedisTheLimiterIsLocal() {
    web.run(
        context -> {
          assertThat(context.getBean(RateLimiter.class)).isInstanceOf(LocalRateLimiter.class);
          assertThat(context).hasSingleBean(ClientIpResolver.class);
          assertThat(context).hasSingleBean(RateLimiterMetrics.class);
        });
  }

  @Test
  void theLocalLimiterTakesItsSizeAndClockResolutionFromProperties() {
    web.run(context -> assertThat(context.getBean(RateLimiter.class))
        .hasToString("LocalRateLimiter[maximumKeys=100000, clockResolution=PT0.001S]"));
    web.withPropertyValues(
            "otto.ratelimit.local.maximum-keys=500", "otto.ratelimit.local.clock-resolution=0")
        .run(context -> assertThat(context.getBean(RateLimiter.class))
            .hasToString("LocalRateLimiter[maximumKeys=500, clockResolution=PT0S]"));
  }

  @Test
  @ExtendWith(OutputCaptureExtension.class)
  void ottosOwnRegistrationWarnsOfNothing(CapturedOutput output) {
    web.withPropertyValues(GREETING)
        .run(context -> assertThat(context).hasBean(OttoRateLimitAutoConfiguration.FILTER_REGISTRATION));
    assertThat(output).doesNotContain("are not applied");
  }

  @Test
  void withoutPoliciesTheFilterIsNotRegistered() {
    web.run(
        context -> assertThat(context).doesNotHaveBean(OttoRateLimitAutoConfiguration.FILTER_REGISTRATION));
  }

  @Test
  void ruleBeansAloneRegisterTheFilter() {
    web.withUserConfiguration(OwnRule.class)
        .run(context -> assertThat(context).hasBean(OttoRateLimitAutoConfiguration.FILTER_REGISTRATION));
  }

  @Test
  void configuredPoliciesAreEnforcedByTheRegisteredFilter() {
    web.withPropertyValues(GREETING)
        .run(
            context -> {
              FilterRegistrationBean<?> registration =
                  registration(context.getBean(OttoRateLimitAutoConfiguration.FILTER_REGISTRATION));
              assertThat(registration.getOrder()).isEqualTo(OttoFilterOrder.RATE_LIMIT);
              RateLimitFilter filter = (RateLimitFilter) registration.getFilter();

              assertThat(greet(filter).getStatus()).isEqualTo(200);
              MockHttpServletResponse second = greet(filter);
              assertThat(second.getHeader("RateLimit-Policy")).isEqualTo("\"greeting\";q=2;w=10");
              assertThat(second.getHeader("RateLimit")).startsWith("\"greeting\";r=0;t=");
              MockHttpServletResponse third = greet(filter);
              assertThat(third.getStatus()).isEqualTo(429);
              assertThat(third.getHeader("Retry-After")).matches("[1-9][0-9]*");
            });
  }

  @Test
  void withRedisTheLimiterSharesLimitsThroughRedisWithALocalFallback() {
    web.withPropertyValues(GREETING)
        .withPropertyValues(
            "otto.redis.url=" + TestServices.redis().uri(),
            "otto.ratelimit.redis.key-prefix=otto:test:" + UUID.randomUUID() + ":")
        .run(
            context -> {
              RateLimiter limiter = context.getBean(RateLimiter.class);
              assertThat(limiter).isInstanceOf(FallbackRateLimiter.class);
              RateLimitDecision decision = awaitRedis(limiter, "k");
              assertThat(decision.allowed()).isTrue();
            });
  }

  @Test
  void withOttoRedisClusterTheLimiterRunsOnTheClusterOttoRedisUrlNames() {
    try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3)) {
      web.withPropertyValues(
              "otto.redis.url=" + cluster.uri(),
              "otto.redis.cluster=true",
              "otto.ratelimit.redis.command-timeout=2s")
          .run(
              context -> {
                RateLimiter limiter = context.getBean(RateLimiter.class);
                // Keys in slots of every primary: a standalone client would be redirected (MOVED) and fall back.
                for (int i = 0; i < 30; i++) {
                  assertThat(awaitRedis(limiter, "client-" + i).allowed()).isTrue();
                }
              });
    }
  }

  @Test
  void whileRedisIsUnreachableEachInstanceAppliesThePolicysFallbackLimits() throws Exception {
    web.withPropertyValues(GREETING)
        .withPropertyValues(
            "otto.redis.url=redis://127.0.0.1:" + closedPort(),
            "otto.ratelimit.policies.greeting.fallback-limits[0].quota=1",
            "otto.ratelimit.policies.greeting.fallback-limits[0].period=10s")
        .run(
            context -> {
              RateLimitFilter filter = filter(context);
              MockHttpServletResponse first = greet(filter);
              assertThat(first.getStatus()).isEqualTo(200);
              assertThat(first.getHeader("RateLimit-Policy")).isEqualTo("\"greeting\";q=1;w=10");
              assertThat(first.getHeader("RateLimit")).startsWith("\"greeting\";r=0;t=");
              assertThat(greet(filter).getStatus()).isEqualTo(429);
            });
  }

  @Test
  void whileRedisIsUnreachableAllFallbackLimitsAreAdvertisedEvenOneEqualToAPolicyLimit() throws Exception {
    web.withPropertyValues(
            "otto.redis.url=redis://127.0.0.1:" + closedPort(),
            "otto.ratelimit.policies.greeting.paths=/api/greeting",
            "otto.ratelimit.policies.greeting.limits[0].quota=2",
            "otto.ratelimit.policies.greeting.limits[0].period=10s",
            "otto.ratelimit.policies.greeting.limits[1].quota=100",
            "otto.ratelimit.policies.greeting.limits[1].period=1h",
            // The short limit as it is, the long one split between instances.
            "otto.ratelimit.policies.greeting.fallback-limits[0].quota=2",
            "otto.ratelimit.policies.greeting.fallback-limits[0].period=10s",
            "otto.ratelimit.policies.greeting.fallback-limits[1].quota=5",
            "otto.ratelimit.policies.greeting.fallback-limits[1].period=1h")
        .run(
            context -> {
              MockHttpServletResponse first = greet(filter(context));
              assertThat(first.getStatus()).isEqualTo(200);
              assertThat(first.getHeader("RateLimit-Policy"))
                  .isEqualTo("\"greeting\";q=2;w=10, \"greeting#2\";q=5;w=3600");
            });
  }

  @Test
  void withoutFallbackLimitsEachInstanceAppliesThePolicyItselfWhileRedisIsUnreachable() throws Exception {
    web.withPropertyValues(GREETING)
        .withPropertyValues("otto.redis.url=redis://127.0.0.1:" + closedPort())
        .run(
            context -> {
              RateLimitFilter filter = filter(context);
              MockHttpServletResponse first = greet(filter);
              assertThat(first.getHeader("RateLimit-Policy")).isEqualTo("\"greeting\";q=2;w=10");
              assertThat(first.getHeader("RateLimit")).startsWith("\"greeting\";r=1;t=");
              assertThat(greet(filter).getStatus()).isEqualTo(200);
              assertThat(greet(filter).getStatus()).isEqualTo(429);
            });
  }

  @Test
  void anInvalidLimitFailsStartupNamingTheProperty() {
    web.withPropertyValues(GREETING)
        .withPropertyValues("otto.ratelimit.policies.greeting.limits[0].quota=0")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("otto.ratelimit.policies.greeting.limits[0]: quota must be at least 1"));
    // Without Redis too: the mistake must show before the environment that has Redis.
    web.withPropertyValues(GREETING)
        .withPropertyValues("otto.ratelimit.policies.greeting.fallback-limits[0].quota=1")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("otto.ratelimit.policies.greeting.fallback-limits[0].period"));
  }

  /** A local port nothing listens on: connections to it are refused at once. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static RateLimitFilter filter(ApplicationContext context) {
    return (RateLimitFilter) registration(context.getBean(OttoRateLimitAutoConfiguration.FILTER_REGISTRATION))
        .getFilter();
  }

  /**
   * Decides until Redis decides: the first calls also open the connection and load the script, which may
   * exceed the command timeout on a busy machine; those decisions fall back to memory.
   */
  private static RateLimitDecision awaitRedis(RateLimiter limiter, String key) {
    RateLimitPolicy policy = RateLimitPolicy.of("p", 1_000, Duration.ofSeconds(10));
    AtomicReference<RateLimitDecision> decision = new AtomicReference<>();
    Waiting.awaitTrue(Duration.ofSeconds(10), "a decision on Redis", () -> {
      decision.set(limiter.tryAcquire(key, policy));
      return decision.get().backend() == RateLimitBackend.REDIS;
    });
    return decision.get();
  }

  @Test
  void enabledFalseCreatesNoRateLimitBeans() {
    web.withPropertyValues(GREETING)
        .withPropertyValues("otto.ratelimit.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(RateLimiter.class);
              assertThat(context).doesNotHaveBean(OttoRateLimitAutoConfiguration.FILTER_REGISTRATION);
            });
  }

  @Test
  void anApplicationLimiterReplacesOttos() {
    web.withUserConfiguration(OwnLimiter.class)
        .run(context -> assertThat(context.getBean(RateLimiter.class)).isSameAs(OwnLimiter.LIMITER));
  }

  @Test
  @ExtendWith(OutputCaptureExtension.class)
  void anApplicationRateLimitFilterReplacesOttosRegistrationSoNoRequestIsChargedTwice(CapturedOutput output) {
    web.withPropertyValues(GREETING)
        .withUserConfiguration(OwnFilter.class)
        .run(context -> {
          assertThat(context).doesNotHaveBean(OttoRateLimitAutoConfiguration.FILTER_REGISTRATION);
          assertThat(context).hasSingleBean(RateLimitFilter.class);
        });
    assertThat(output).contains("otto.ratelimit.policies [greeting] are not applied");
    web.withPropertyValues(GREETING)
        .withUserConfiguration(OwnFilterRegistration.class)
        .run(context -> {
          assertThat(context).doesNotHaveBean(OttoRateLimitAutoConfiguration.FILTER_REGISTRATION);
          assertThat(context).hasBean("myRateLimitFilter");
        });
  }

  @Test
  void anUnknownKeyPartFailsStartupNamingTheProperty() {
    web.withPropertyValues(GREETING)
        .withPropertyValues("otto.ratelimit.policies.greeting.key=cookie")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("otto.ratelimit.policies.greeting.key")
                    .hasMessageContaining("cookie"));
  }

  @Test
  void aPolicyWithoutLimitsFailsStartupNamingTheProperty() {
    web.withPropertyValues("otto.ratelimit.policies.empty.paths=/x")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("otto.ratelimit.policies.empty"));
  }

  private static FilterRegistrationBean<?> registration(Object bean) {
    return (FilterRegistrationBean<?>) bean;
  }

  private static MockHttpServletResponse greet(RateLimitFilter filter) throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/greeting");
    request.setServletPath("/api/greeting");
    request.setRemoteAddr("203.0.113.7");
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(request, response, new MockFilterChain());
    return response;
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnRule {
    static final RateLimitRule RULE = RateLimitRule.builder()
        .policy(RateLimitPolicy.of("everything", 100, Duration.ofSeconds(1)))
        .key(KeyResolver.principal())
        .build();

    @Bean
    RateLimitRule everything() {
      return RULE;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnFilter {
    @Bean
    RateLimitFilter myRateLimitFilter(RateLimiter limiter) {
      return RateLimitFilter.builder().limiter(limiter).rule(OwnRule.RULE).build();
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnFilterRegistration {
    @Bean
    FilterRegistrationBean<RateLimitFilter> myRateLimitFilter(RateLimiter limiter) {
      return new FilterRegistrationBean<>(RateLimitFilter.builder().limiter(limiter).rule(OwnRule.RULE).build());
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnLimiter {
    static final RateLimiter LIMITER = LocalRateLimiter.builder().build();

    @Bean
    RateLimiter ownLimiter() {
      return LIMITER;
    }
  }
}
