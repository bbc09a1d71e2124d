/**
 * Rate limiting for Jakarta Servlet applications: {@link dev.otto.ratelimit.servlet.RateLimitFilter} checks
 * requests against {@link dev.otto.ratelimit.servlet.RateLimitRule rules} (a policy, the paths and methods
 * it covers, and a {@link dev.otto.ratelimit.servlet.KeyResolver key}), writes the IETF {@code RateLimit}
 * header fields and answers {@code 429} problems; {@link dev.otto.ratelimit.servlet.ClientIpResolver} finds
 * the client address behind trusted proxies.
 */
@NullMarked
package dev.otto.ratelimit.servlet;

import org.jspecify.annotations.NullMarked;
