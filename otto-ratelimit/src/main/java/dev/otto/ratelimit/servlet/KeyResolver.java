package dev.otto.ratelimit.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Tells a {@link RateLimitRule} whom a request counts against: the key of its bucket.
 *
 * <pre>{@code
 * ClientIpResolver clientIp = ClientIpResolver.builder().trustedProxies("10.0.0.0/8").build();
 * KeyResolver byApiKeyOrIp = KeyResolver.firstOf(KeyResolver.header("X-Api-Key"), KeyResolver.clientIp(clientIp));
 * KeyResolver byTenant = request -> (String) request.getAttribute("tenant");
 * }</pre>
 *
 * <p>The built-in resolvers prefix their keys ({@code ip:}, {@code header:<name>:}, {@code principal:}),
 * so an API key that happens to equal an IP address is a different bucket; a resolver of your own should
 * use a prefix of its own. Keys may be any length: the limiter stores keys longer than 256 characters as
 * their SHA-256 digest, so key material held in memory or Redis stays bounded.
 *
 * <p>Threading: a resolver is called on request threads, concurrently, so it must be thread-safe.
 * Failure: returning {@code null} (or an empty key) means "no key": the rule's {@link MissingKey} decides
 * what happens. Throwing {@link InvalidRateLimitKeyException} means the client sent an unusable key: the
 * filter answers {@code 400}. Any other exception is logged and the rule does not limit that request.
 */
@FunctionalInterface
public interface KeyResolver {

  /**
   * Returns the key this request counts against.
   *
   * @param request the request being filtered
   * @return the key, or {@code null} when the request carries none
   * @throws InvalidRateLimitKeyException when the request carries a key that cannot be used
   */
  @Nullable String resolve(HttpServletRequest request);

  /**
   * Keys requests by the client's IP address, {@code "ip:" + address} in normal form (see
   * {@link ClientIpResolver}).
   *
   * @param resolver how to find the client address behind trusted proxies
   * @return the resolver; {@code null} only when the peer address is not an IP address
   */
  static KeyResolver clientIp(ClientIpResolver resolver) {
    return clientIp(resolver, KeyResolvers.IPV6_BITS);
  }

  /**
   * Keys requests by the client's IP address, and IPv6 clients by their network: the first
   * {@code ipv6PrefixLength} bits, {@code "ip:" + network + "/" + ipv6PrefixLength} (for example
   * {@code ip:2001:db8:1:2::/64}). An IPv6 client usually holds a whole /64, often a /56 or /48, and can
   * send each request from a new address in it; keyed by address it would escape any per-IP limit. IPv4
   * clients (IPv4-mapped IPv6 included, and IPv4 clients seen through NAT64's {@code 64:ff9b::/96}) are
   * keyed by their address, as by {@link #clientIp(ClientIpResolver)}, which is this method with 128.
   *
   * <pre>{@code
   * KeyResolver byNetwork = KeyResolver.clientIp(clientIp, 64);
   * }</pre>
   *
   * @param resolver how to find the client address behind trusted proxies
   * @param ipv6PrefixLength how many leading bits of an IPv6 address identify a client, 1 to 128
   * @return the resolver; {@code null} only when the peer address is not an IP address
   * @throws IllegalArgumentException when ipv6PrefixLength is not from 1 to 128
   */
  static KeyResolver clientIp(ClientIpResolver resolver, int ipv6PrefixLength) {
    return new KeyResolvers.ClientIp(Objects.requireNonNull(resolver, "resolver"), ipv6PrefixLength);
  }

  /**
   * Keys requests by a header such as an API key: {@code "header:" + lower-case name + ":" + value}. A
   * missing or empty header is no key. A value longer than 256 characters, containing anything but
   * visible ASCII ({@code 0x21}–{@code 0x7E}), or sent in more than one header line (which other
   * components might read differently) is an invalid key: the filter answers {@code 400} without echoing
   * it.
   *
   * @param name the header name, for example {@code X-Api-Key}
   * @return the resolver
   * @throws IllegalArgumentException when name is not a valid header name
   */
  static KeyResolver header(String name) {
    return new KeyResolvers.Header(name);
  }

  /**
   * Keys requests by the authenticated user: {@code "principal:" + getUserPrincipal().getName()}.
   * Unauthenticated requests have no key.
   *
   * @return the resolver
   */
  static KeyResolver principal() {
    return KeyResolvers.Principal.INSTANCE;
  }

  /**
   * Asks each resolver in turn and returns the first key found, for example an API key when present and
   * the client IP otherwise. An {@link InvalidRateLimitKeyException} stops the search: a client that sends
   * a bad API key is told so rather than silently limited by IP.
   *
   * @param resolvers at least one resolver, in the order to ask them
   * @return the resolver
   * @throws IllegalArgumentException when no resolver is given
   */
  static KeyResolver firstOf(KeyResolver... resolvers) {
    Objects.requireNonNull(resolvers, "resolvers");
    if (resolvers.length == 0) {
      throw new IllegalArgumentException("firstOf needs at least one resolver: 0 given");
    }
    for (int i = 0; i < resolvers.length; i++) {
      Objects.requireNonNull(resolvers[i], "resolvers[" + i + "]");
    }
    return new KeyResolvers.FirstOf(List.of(resolvers));
  }
}
