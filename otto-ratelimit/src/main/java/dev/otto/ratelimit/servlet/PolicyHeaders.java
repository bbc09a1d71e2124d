package dev.otto.ratelimit.servlet;

import dev.otto.ratelimit.Limit;
import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitPolicy;
import java.time.Duration;
import java.util.List;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} header field items of one policy, per
 * draft-ietf-httpapi-ratelimit-headers-11 (Structured Field lists whose items are the policy names as
 * strings).
 *
 * <p>A policy with one limit is one item named after the policy: {@code "greeting";q=10;w=10}. A policy
 * with several limits advertises one item per limit, in the policy's order (shortest period first): the
 * first is named after the policy, the others {@code <name>#2}, {@code <name>#3}, …; {@code #} cannot occur
 * in a policy name, so these names never collide with another policy. {@code w} is the period in whole
 * seconds, rounded up (at least 1).
 *
 * <p>Every value is built from the validated policy name ({@code [A-Za-z0-9._-]}) and numbers, never from
 * request input, so nothing here needs escaping. Immutable.
 */
final class PolicyHeaders {

  private final RateLimitPolicy policy;
  private final String policyItems;
  private final String[] quotedNames;

  PolicyHeaders(RateLimitPolicy policy) {
    this.policy = policy;
    List<Limit> limits = policy.limits();
    this.quotedNames = new String[limits.size()];
    StringBuilder items = new StringBuilder();
    for (int i = 0; i < limits.size(); i++) {
      Limit limit = limits.get(i);
      quotedNames[i] = '"' + policy.name() + (i == 0 ? "" : "#" + (i + 1)) + '"';
      if (i > 0) {
        items.append(", ");
      }
      items.append(quotedNames[i]).append(";q=").append(limit.quota())
          .append(";w=").append(windowSeconds(limit.period()));
    }
    this.policyItems = items.toString();
  }

  private static long windowSeconds(Duration period) {
    long seconds = period.getSeconds() + (period.getNano() > 0 ? 1 : 0);
    return Math.max(1, seconds);
  }

  RateLimitPolicy policy() {
    return policy;
  }

  /** The items this policy contributes to {@code RateLimit-Policy}. */
  String policyItems() {
    return policyItems;
  }

  /**
   * The {@code RateLimit} item for a decision: the deciding limit's name, {@code r} the requests left and
   * {@code t} the seconds until that limit is full again, rounded up.
   */
  String rateLimitItem(RateLimitDecision decision) {
    int index = policy.limits().indexOf(decision.limit());
    String name = quotedNames[Math.max(index, 0)];
    return name + ";r=" + decision.remaining() + ";t=" + decision.resetAfterSeconds();
  }
}
