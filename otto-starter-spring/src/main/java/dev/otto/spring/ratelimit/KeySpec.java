package dev.otto.spring.ratelimit;

import dev.otto.ratelimit.servlet.KeyResolver;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads the {@code key} property of a policy: a comma-separated list of {@code ip}, {@code principal} and
 * {@code header:NAME}, tried in order.
 */
final class KeySpec {

  private KeySpec() {}

  /**
   * Returns the key resolver of {@code otto.ratelimit.policies.<policy>.key}; {@code clientIp} serves its
   * {@code ip} part.
   */
  static KeyResolver parse(String policy, String spec, KeyResolver clientIp) {
    List<KeyResolver> resolvers = new ArrayList<>();
    for (String part : spec.split(",")) {
      String item = part.trim();
      String lower = item.toLowerCase(Locale.ROOT);
      if (lower.equals("ip")) {
        resolvers.add(clientIp);
      } else if (lower.equals("principal")) {
        resolvers.add(KeyResolver.principal());
      } else if (lower.startsWith("header:") && item.length() > "header:".length()) {
        resolvers.add(KeyResolver.header(item.substring("header:".length()).trim()));
      } else {
        throw new IllegalArgumentException(
            "otto.ratelimit.policies." + policy + ".key has an unknown part '" + item
                + "': use ip, principal or header:NAME, comma-separated (for example header:X-Api-Key,ip)");
      }
    }
    return resolvers.size() == 1
        ? resolvers.get(0)
        : KeyResolver.firstOf(resolvers.toArray(KeyResolver[]::new));
  }
}
