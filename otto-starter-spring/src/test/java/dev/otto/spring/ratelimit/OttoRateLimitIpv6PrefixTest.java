package dev.otto.spring.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.ratelimit.servlet.RateLimitFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** otto.ratelimit.ipv6-prefix-length: how the ip key part of every policy keys IPv6 clients. */
class OttoRateLimitIpv6PrefixTest {

  /** One request per minute per client, keyed by ip on /api/greeting and by API key or ip on /api/items. */
  private final WebApplicationContextRunner web =
      RateLimitContexts.web()
          .withPropertyValues(
              "otto.ratelimit.policies.greeting.paths=/api/greeting",
              "otto.ratelimit.policies.greeting.limits[0].quota=1",
              "otto.ratelimit.policies.greeting.limits[0].period=1m",
              "otto.ratelimit.policies.items.paths=/api/items",
              "otto.ratelimit.policies.items.key=header:X-Api-Key,ip",
              "otto.ratelimit.policies.items.limits[0].quota=1",
              "otto.ratelimit.policies.items.limits[0].period=1m");

  @Test
  void byDefaultEachIpv6AddressIsAClientOfItsOwn() {
    web.run(context -> {
      RateLimitFilter filter = filter(context);
      assertThat(status(filter, "/api/greeting", "2001:db8:1:2::1")).isEqualTo(200);
      assertThat(status(filter, "/api/greeting", "2001:db8:1:2::2")).isEqualTo(200);
      assertThat(status(filter, "/api/greeting", "2001:db8:1:2::1")).isEqualTo(429);
    });
  }

  @Test
  void withAPrefixLengthEveryPolicysIpKeyCountsAnIpv6NetworkAsOneClient() {
    web.withPropertyValues("otto.ratelimit.ipv6-prefix-length=64").run(context -> {
      RateLimitFilter filter = filter(context);
      for (String path : new String[] {"/api/greeting", "/api/items"}) {
        assertThat(status(filter, path, "2001:db8:1:2::1")).as(path).isEqualTo(200);
        assertThat(status(filter, path, "2001:db8:1:2:ffff::2")).as(path).isEqualTo(429);
        assertThat(status(filter, path, "2001:db8:1:3::1")).as(path).isEqualTo(200);
      }
      // IPv4 clients keep one key per address.
      assertThat(status(filter, "/api/greeting", "203.0.113.7")).isEqualTo(200);
      assertThat(status(filter, "/api/greeting", "203.0.113.8")).isEqualTo(200);
    });
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -64, 129})
  void aPrefixLengthOutside1To128FailsStartupNamingThePropertyAndTheValue(int prefixLength) {
    web.withPropertyValues("otto.ratelimit.ipv6-prefix-length=" + prefixLength)
        .run(context -> assertThat(context.getStartupFailure())
            .hasStackTraceContaining("otto.ratelimit.ipv6-prefix-length: ipv6PrefixLength must be from 1 to 128 "
                + "(for example 64 for one key per /64): " + prefixLength));
  }

  private static RateLimitFilter filter(ApplicationContext context) {
    return (RateLimitFilter) ((FilterRegistrationBean<?>)
        context.getBean(OttoRateLimitAutoConfiguration.FILTER_REGISTRATION)).getFilter();
  }

  private static int status(RateLimitFilter filter, String path, String clientAddress) throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", path);
    request.setServletPath(path);
    request.setRemoteAddr(clientAddress);
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(request, response, new MockFilterChain());
    return response.getStatus();
  }
}
