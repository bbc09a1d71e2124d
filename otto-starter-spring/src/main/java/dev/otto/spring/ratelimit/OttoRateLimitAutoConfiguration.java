package dev.otto.spring.ratelimit;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitch;
import dev.otto.core.ComponentSwitches;
import dev.otto.problem.servlet.ProblemResponseWriter;
import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitListener;
import dev.otto.ratelimit.RateLimitPolicy;
import dev.otto.ratelimit.RateLimiter;
import dev.otto.ratelimit.fallback.FallbackRateLimiter;
import dev.otto.ratelimit.local.LocalRateLimiter;
import dev.otto.ratelimit.micrometer.RateLimiterMetrics;
import dev.otto.ratelimit.redis.RedisRateLimiter;
import dev.otto.ratelimit.servlet.ClientIpResolver;
import dev.otto.ratelimit.servlet.KeyResolver;
import dev.otto.ratelimit.servlet.RateLimitFilter;
import dev.otto.ratelimit.servlet.RateLimitRule;
import dev.otto.spring.ConditionalOnRules;
import dev.otto.spring.OttoFilterOrder;
import dev.otto.spring.OttoRedisProperties;
import dev.otto.spring.problem.OttoProblemAutoConfiguration;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import dev.otto.spring.ConditionalOnBoolean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * Rate limiting for a servlet application. With {@code otto.redis.url} set, limits are shared through
 * Redis and fall back to the in-memory limiter while Redis is slow or gone; without it, they are kept in
 * memory per instance. Policies come from {@code otto.ratelimit.policies.*} and from {@link RateLimitRule}
 * beans.
 *
 * <p>Active unless {@code otto.ratelimit.enabled=false}. The {@link RateLimiter}, the
 * {@link ClientIpResolver} and the filter registration ({@value #FILTER_REGISTRATION}) back off when the
 * application defines its own; the registration also backs off for any {@link RateLimitFilter} bean of the
 * application's, or a {@code FilterRegistrationBean<RateLimitFilter>} of another name.
 */
@AutoConfiguration(after = OttoProblemAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(RateLimitFilter.class)
@ConditionalOnBoolean(name = "otto.ratelimit.enabled", matchIfMissing = true)
@EnableConfigurationProperties({OttoRateLimitProperties.class, OttoRedisProperties.class})
public final class OttoRateLimitAutoConfiguration {

  private static final Logger log = LoggerFactory.getLogger(OttoRateLimitAutoConfiguration.class);

  /** Bean name of the rate-limit filter's registration, to replace or disable it. */
  public static final String FILTER_REGISTRATION = "ottoRateLimitFilterRegistration";

  /**
   * The local limiter, and the Redis limiter when {@code otto.redis.url} is set, behind
   * {@link #ottoRateLimiter}: created here, so Spring closes them on shutdown (the Redis connection and
   * client Otto opened, the local limiter's clock thread), after the limiter built on them.
   */
  @Bean
  @ConditionalOnMissingBean(RateLimiter.class)
  OwnedLimiters ottoOwnedLimiters(
      OttoRateLimitProperties properties,
      OttoRedisProperties redis,
      ObjectProvider<RateLimitListener> listeners) {
    LocalRateLimiter local = LocalRateLimiter.builder()
        .maximumKeys(properties.getLocal().getMaximumKeys())
        .clockResolution(properties.getLocal().getClockResolution())
        .build();
    if (!StringUtils.hasText(redis.getUrl())) {
      return new OwnedLimiters(local, null);
    }
    RedisRateLimiter.Builder primary =
        RedisRateLimiter.builder()
            .commandTimeout(properties.getRedis().getCommandTimeout())
            .keyPrefix(properties.getRedis().getKeyPrefix());
    if (redis.isCluster()) {
      primary.clusterUri(redis.getUrl());
    } else {
      primary.uri(redis.getUrl());
    }
    listeners.orderedStream().forEach(primary::listener);
    return new OwnedLimiters(local, primary.build());
  }

  /**
   * The limiter: the local one alone, or Redis with the local one as its fallback. Spring closes it on
   * shutdown (the fallback's probe scheduler), then {@link #ottoOwnedLimiters} what it is built on.
   */
  @Bean
  @ConditionalOnMissingBean
  RateLimiter ottoRateLimiter(
      OwnedLimiters owned, OttoRateLimitProperties properties, ObjectProvider<RateLimitListener> listeners) {
    // Read with or without Redis: a bad fallback limit must fail where it is written, not first in the
    // environment that has Redis.
    UnaryOperator<RateLimitPolicy> fallbackPolicies = fallbackPolicies(properties);
    RedisRateLimiter redis = owned.redis;
    if (redis == null) {
      return owned.local;
    }
    FallbackRateLimiter.Builder fallback =
        FallbackRateLimiter.builder()
            .primary(redis)
            .local(owned.local)
            .failureMode(properties.getFailureMode())
            .failureThreshold(properties.getFallback().getFailureThreshold())
            .probeInterval(properties.getFallback().getProbeInterval())
            .localPolicy(fallbackPolicies);
    listeners.orderedStream().forEach(fallback::listener);
    return fallback.build();
  }

  @Bean
  @ConditionalOnMissingBean
  ClientIpResolver ottoClientIpResolver(OttoRateLimitProperties properties) {
    return ClientIpResolver.builder()
        .trustedProxies(properties.getTrustedProxies())
        .header(properties.getClientIpHeader())
        .build();
  }

  /**
   * Says so when a {@link RateLimitFilter} of the application's replaced Otto's registration while
   * {@code otto.ratelimit.policies} are set: those policies then apply nowhere, which must not pass unseen.
   */
  @Bean
  SmartInitializingSingleton ottoRateLimitPoliciesApplied(
      OttoRateLimitProperties properties, ListableBeanFactory beans) {
    return () -> {
      if (!properties.getPolicies().isEmpty() && !beans.containsBean(FILTER_REGISTRATION)) {
        log.warn("otto.ratelimit.policies {} are not applied: the application defines its own RateLimitFilter, "
            + "which replaces Otto's", properties.getPolicies().keySet());
      }
    };
  }

  // Backs off for a RateLimitFilter of the application's, bare or registered under any name: two filters
  // would charge every request twice.
  @Bean(name = FILTER_REGISTRATION)
  @ConditionalOnMissingBean(
      name = FILTER_REGISTRATION,
      value = RateLimitFilter.class,
      parameterizedContainer = FilterRegistrationBean.class)
  @ConditionalOnRules(prefix = "otto.ratelimit.policies", beanType = RateLimitRule.class)
  FilterRegistrationBean<RateLimitFilter> ottoRateLimitFilterRegistration(
      OttoRateLimitProperties properties,
      RateLimiter limiter,
      ClientIpResolver clientIp,
      ObjectProvider<RateLimitRule> ruleBeans,
      ObjectProvider<RateLimitListener> listeners,
      ObjectProvider<ProblemResponseWriter> writer,
      ComponentSwitches switches) {
    ComponentSwitch rateLimiting = switches.get(Component.RATELIMIT);
    RateLimitFilter.Builder filter =
        RateLimitFilter.builder()
            .limiter(limiter)
            .enabled(rateLimiting)
            .shadow(rateLimiting.shadow())
            .responseWriter(writer.getIfAvailable(ProblemResponseWriter::create));
    rules(properties, clientIp).forEach(filter::rule);
    ruleBeans.orderedStream().forEach(filter::rule);
    listeners.orderedStream().forEach(filter::listener);
    FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(filter.build());
    registration.setName("ottoRateLimitFilter");
    registration.setOrder(OttoFilterOrder.RATE_LIMIT);
    registration.setAsyncSupported(true);
    return registration;
  }

  static List<RateLimitRule> rules(OttoRateLimitProperties properties, ClientIpResolver clientIp) {
    KeyResolver ip = clientIpKey(properties, clientIp);
    return properties.getPolicies().entrySet().stream()
        .map(entry -> rule(entry.getKey(), entry.getValue(), ip))
        .toList();
  }

  /**
   * The {@code ip} key part of every policy, built once before the policies are read: a bad prefix length
   * fails start-up whenever the filter is registered, even while no policy uses {@code ip} yet.
   */
  private static KeyResolver clientIpKey(OttoRateLimitProperties properties, ClientIpResolver clientIp) {
    try {
      return KeyResolver.clientIp(clientIp, properties.getIpv6PrefixLength());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("otto.ratelimit.ipv6-prefix-length: " + e.getMessage(), e);
    }
  }

  /**
   * The policies the local limiter applies while Redis is unreachable: each configured policy's
   * {@code fallback-limits} where set, else the policy itself. Looked up by the whole policy (name and
   * limits), so that another policy of the same name (an application's own filter's) is left as it is.
   */
  static UnaryOperator<RateLimitPolicy> fallbackPolicies(OttoRateLimitProperties properties) {
    Map<RateLimitPolicy, RateLimitPolicy> byPolicy = new HashMap<>();
    properties.getPolicies().forEach((name, policy) -> {
      if (!policy.getFallbackLimits().isEmpty() && !policy.getLimits().isEmpty()) {
        byPolicy.put(policy(name, "limits", policy.getLimits()),
            policy(name, "fallback-limits", policy.getFallbackLimits()));
      }
    });
    if (byPolicy.isEmpty()) {
      return UnaryOperator.identity();
    }
    Map<RateLimitPolicy, RateLimitPolicy> fallbacks = Map.copyOf(byPolicy);
    return policy -> fallbacks.getOrDefault(policy, policy);
  }

  private static RateLimitRule rule(String name, OttoRateLimitProperties.Policy policy, KeyResolver clientIp) {
    if (policy.getLimits().isEmpty()) {
      throw new IllegalArgumentException(
          "otto.ratelimit.policies." + name + " has no limits: set otto.ratelimit.policies." + name
              + ".limits[0].quota and .limits[0].period");
    }
    RateLimitRule.Builder rule =
        RateLimitRule.builder()
            .policy(policy(name, "limits", policy.getLimits()))
            .key(KeySpec.parse(name, policy.getKey(), clientIp))
            .missingKey(policy.getMissingKey())
            .shadow(policy.isShadow());
    policy.getPaths().forEach(rule::path);
    if (!policy.getMethods().isEmpty()) {
      rule.methods(policy.getMethods().toArray(String[]::new));
    }
    return rule.build();
  }

  /** The policy {@code name} with the limits of its property {@code list} (limits or fallback-limits). */
  private static RateLimitPolicy policy(String name, String list, List<OttoRateLimitProperties.LimitSpec> specs) {
    RateLimitPolicy.Builder policy = RateLimitPolicy.builder(name);
    for (int i = 0; i < specs.size(); i++) {
      String property = "otto.ratelimit.policies." + name + "." + list + "[" + i + "]";
      try {
        policy.limit(limit(property, specs.get(i)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(property + ": " + e.getMessage(), e);
      }
    }
    return policy.build();
  }

  private static Limit limit(String property, OttoRateLimitProperties.LimitSpec spec) {
    Duration period = spec.getPeriod();
    if (period == null) {
      throw new IllegalArgumentException("period is not set (" + property + ".period, for example 10s)");
    }
    Long burst = spec.getBurst();
    return new Limit(spec.getQuota(), period, burst != null ? burst : spec.getQuota());
  }

  /** Decision, Redis latency and fallback meters when Micrometer is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
  static final class Metrics {

    @Bean
    @ConditionalOnMissingBean
    RateLimiterMetrics ottoRateLimiterMetrics() {
      return new RateLimiterMetrics();
    }
  }
}
