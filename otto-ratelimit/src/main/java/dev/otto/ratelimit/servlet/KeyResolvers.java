package dev.otto.ratelimit.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** The built-in {@link KeyResolver}s; records, so rules print readably. */
final class KeyResolvers {

  /** The longest header value accepted as a key. */
  static final int MAX_HEADER_KEY_LENGTH = 256;

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private KeyResolvers() {
  }

  /** The longest IPv6 prefix: the whole address. */
  static final int IPV6_BITS = 128;

  record ClientIp(ClientIpResolver resolver, int ipv6PrefixLength) implements KeyResolver {

    ClientIp {
      if (ipv6PrefixLength < 1 || ipv6PrefixLength > IPV6_BITS) {
        throw new IllegalArgumentException(
            "ipv6PrefixLength must be from 1 to 128 (for example 64 for one key per /64): " + ipv6PrefixLength);
      }
    }

    @Override
    public @Nullable String resolve(HttpServletRequest request) {
      IpAddress address = resolver.resolveAddress(request);
      if (address == null) {
        return null;
      }
      // An IPv4 client behind NAT64 is one host, not one of its network's: keyed by its whole address.
      if (ipv6PrefixLength == IPV6_BITS || address.isOneV4Host()) {
        return "ip:" + address;
      }
      // The "/length" keeps a network's key apart from the key of the address that happens to equal it.
      return "ip:" + address.network(ipv6PrefixLength) + "/" + ipv6PrefixLength;
    }
  }

  record Header(String name, String prefix) implements KeyResolver {

    Header(String name) {
      this(validName(name), "header:" + name.toLowerCase(Locale.ROOT) + ":");
    }

    private static String validName(String name) {
      Objects.requireNonNull(name, "name");
      if (!TOKEN.matcher(name).matches()) {
        throw new IllegalArgumentException("header must be a valid HTTP header name: '" + name + "'");
      }
      return name;
    }

    @Override
    public @Nullable String resolve(HttpServletRequest request) {
      Enumeration<String> values = request.getHeaders(name);
      if (values == null || !values.hasMoreElements()) {
        return null;
      }
      String value = values.nextElement();
      if (values.hasMoreElements()) {
        throw new InvalidRateLimitKeyException("header " + name + " was sent more than once");
      }
      if (value == null || value.isEmpty()) {
        return null;
      }
      if (value.length() > MAX_HEADER_KEY_LENGTH) {
        throw new InvalidRateLimitKeyException("header " + name + " is longer than "
            + MAX_HEADER_KEY_LENGTH + " characters");
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c < 0x21 || c > 0x7e) {
          throw new InvalidRateLimitKeyException("header " + name
              + " contains a character outside visible ASCII");
        }
      }
      return prefix + value;
    }

    @Override
    public String toString() {
      return "header(" + name + ")";
    }
  }

  enum Principal implements KeyResolver {
    INSTANCE;

    @Override
    public @Nullable String resolve(HttpServletRequest request) {
      java.security.Principal principal = request.getUserPrincipal();
      String name = principal == null ? null : principal.getName();
      return name == null || name.isEmpty() ? null : "principal:" + name;
    }

    @Override
    public String toString() {
      return "principal()";
    }
  }

  record FirstOf(List<KeyResolver> resolvers) implements KeyResolver {

    @Override
    public @Nullable String resolve(HttpServletRequest request) {
      for (KeyResolver resolver : resolvers) {
        String key = resolver.resolve(request);
        if (key != null && !key.isEmpty()) {
          return key;
        }
      }
      return null;
    }
  }
}
