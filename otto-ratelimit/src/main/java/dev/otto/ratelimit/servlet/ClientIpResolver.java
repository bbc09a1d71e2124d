package dev.otto.ratelimit.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Finds the address of the client that sent a request, trusting {@code X-Forwarded-For} only as far as it
 * was written by proxies you trust.
 *
 * <pre>{@code
 * ClientIpResolver clientIp = ClientIpResolver.builder()
 *     .trustedProxies("127.0.0.0/8", "::1", "10.0.0.0/8") // your load balancers
 *     .build();
 * String ip = clientIp.resolve(request); // "203.0.113.7", "2001:db8::1", ...
 * }</pre>
 *
 * <h2>How the client is found</h2>
 * The chain is the {@code X-Forwarded-For} entries (comma-separated, across all lines of the header, in
 * order) followed by the peer address ({@link HttpServletRequest#getRemoteAddr()}). Every proxy appends the
 * address it received the request from, so the entries on the right were written by your own proxies and
 * anything on the left may be invented by the client. {@link #resolve} therefore walks from the right:
 * <ol>
 *   <li>an address inside a trusted range is skipped (it is one of your proxies);
 *   <li>the first address that is not trusted is the client;
 *   <li>an entry that is not an IP address ({@code unknown}, a host name, garbage) ends the walk, and the
 *       last valid address to its right is the client;
 *   <li>when every address is trusted, the leftmost one is the client.
 * </ol>
 * With no trusted proxies (the default) the header is ignored and the peer address is the client. Adding
 * entries to the left of the chain, which is what a client does to escape a per-IP limit, never changes
 * the result of a walk that ended at an untrusted address or at an invalid entry.
 *
 * <p>Entries may be IPv4 or IPv6 literals, {@code [v6]}, {@code [v6]:port} or {@code v4:port} (ports are
 * dropped); empty list elements are ignored. The result is normalised, so one client is one key: IPv4 in
 * dotted decimal (IPv4-mapped IPv6 addresses such as {@code ::ffff:192.0.2.1} become {@code 192.0.2.1}),
 * IPv6 in the RFC 5952 form ({@code 0:0:0:0:0:0:0:1} becomes {@code ::1}).
 *
 * <h2>Bounds</h2>
 * Only the rightmost {@value #MAX_ENTRIES} entries and the rightmost {@value #MAX_HEADER_CHARS} characters
 * of the header are read; beyond them the walk ends as if every address had been trusted, so an oversized
 * header costs little and still cannot move the result. Nothing is ever resolved through DNS.
 *
 * <p>Immutable and thread-safe. {@link #resolve} never throws for any request content.
 */
public final class ClientIpResolver {

  /** At most this many {@code X-Forwarded-For} entries, counted from the right, are considered. */
  static final int MAX_ENTRIES = 32;

  /** At most this many characters of {@code X-Forwarded-For}, counted from the right, are read. */
  static final int MAX_HEADER_CHARS = 8192;

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

  private final Cidr[] trusted;
  private final String header;

  private ClientIpResolver(Builder builder) {
    this.trusted = builder.trusted.toArray(new Cidr[0]);
    this.header = builder.header;
  }

  /**
   * Starts a resolver that trusts no proxy and reads {@code X-Forwarded-For}.
   *
   * @return a new builder; not thread-safe
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the client's address in its normal form, as described on the class.
   *
   * @param request the request; only its peer address and the forwarded header are read
   * @return the client address, or {@code null} when the peer address itself is not an IP address (for
   *     example a Unix domain socket); a zone on a link-local peer address ({@code %eth0}) is dropped
   */
  public @Nullable String resolve(HttpServletRequest request) {
    IpAddress client = resolveAddress(request);
    return client == null ? null : client.toString();
  }

  /**
   * Returns the client's address as {@link #resolve(HttpServletRequest)} finds it, before it is written as
   * text, so a key resolver can take its network without parsing the text again.
   */
  @Nullable IpAddress resolveAddress(HttpServletRequest request) {
    IpAddress peer = parsePeer(request.getRemoteAddr());
    if (peer == null) {
      return null;
    }
    if (!isTrusted(peer)) {
      return peer;
    }
    Enumeration<String> lines = request.getHeaders(header);
    if (lines == null || !lines.hasMoreElements()) {
      return peer;
    }
    return walk(peer, Collections.list(lines));
  }

  /**
   * Resolves from a peer address and the header lines in the order received; the servlet-free core of
   * {@link #resolve(HttpServletRequest)}.
   */
  @Nullable String resolve(@Nullable String remoteAddr, List<String> headerLines) {
    IpAddress peer = parsePeer(remoteAddr);
    if (peer == null) {
      return null;
    }
    return isTrusted(peer) ? walk(peer, headerLines).toString() : peer.toString();
  }

  /**
   * Parses the container's peer address. Jetty writes an IPv6 peer in brackets ({@code [2001:db8::7]}),
   * Tomcat without; both are read. A link-local IPv6 peer may carry a zone ({@code fe80::1%eth0}); the zone
   * names a local interface, not the client, so it is dropped. Unlike forwarded entries, which the client
   * may write, this address comes from the container.
   */
  private static @Nullable IpAddress parsePeer(@Nullable String remoteAddr) {
    if (remoteAddr == null) {
      return null;
    }
    int from = 0;
    int to = remoteAddr.length();
    if (to > 2 && remoteAddr.charAt(0) == '[' && remoteAddr.charAt(to - 1) == ']') {
      from = 1;
      to--;
    }
    int zone = remoteAddr.indexOf('%', from);
    return IpAddress.parse(remoteAddr, from, zone < 0 ? to : Math.min(zone, to));
  }

  /** Walks the header lines from the right, starting from a trusted peer. */
  private IpAddress walk(IpAddress peer, List<String> lines) {
    IpAddress candidate = peer;
    int entries = 0;
    int budget = MAX_HEADER_CHARS;
    for (int l = lines.size() - 1; l >= 0; l--) {
      String line = lines.get(l);
      int end = line.length();
      while (end >= 0) {
        int start = line.lastIndexOf(',', end - 1) + 1;
        // The entry and the separator before it (or the line boundary) must fit in what is left to read;
        // otherwise the entry may be cut, and the walk ends without looking at it.
        budget -= end - start + 1;
        if (budget < 0) {
          return candidate;
        }
        int from = start;
        int to = end;
        while (from < to && isSpace(line.charAt(from))) {
          from++;
        }
        while (to > from && isSpace(line.charAt(to - 1))) {
          to--;
        }
        if (from < to) {
          if (++entries > MAX_ENTRIES) {
            return candidate;
          }
          IpAddress address = IpAddress.parseForwarded(line, from, to);
          if (address == null) {
            return candidate;
          }
          if (!isTrusted(address)) {
            return address;
          }
          candidate = address;
        }
        end = start - 1;
      }
    }
    return candidate;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t';
  }

  private boolean isTrusted(IpAddress address) {
    for (Cidr range : trusted) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** Returns the header read for forwarded addresses. */
  String header() {
    return header;
  }

  @Override
  public String toString() {
    List<String> ranges = new ArrayList<>(trusted.length);
    for (Cidr range : trusted) {
      ranges.add(range.toString());
    }
    return "ClientIpResolver[header=" + header + ", trustedProxies=" + ranges + "]";
  }

  /**
   * Configures a {@link ClientIpResolver}. Each method validates its argument at once and names a bad
   * value. Not thread-safe; the resolver it builds is.
   */
  public static final class Builder {

    private final List<Cidr> trusted = new ArrayList<>();
    private String header = "X-Forwarded-For";

    private Builder() {
    }

    /**
     * Adds proxies whose forwarded header is believed: CIDR ranges ({@code 10.0.0.0/8},
     * {@code fd00::/8}) or single addresses ({@code 127.0.0.1}, {@code ::1}). IPv4 ranges also cover
     * the same addresses written as IPv4-mapped IPv6. Only literals are accepted; no name is looked up.
     *
     * @param cidrs the ranges to add
     * @return this builder
     * @throws IllegalArgumentException naming the first entry that is not a valid range
     */
    public Builder trustedProxies(String... cidrs) {
      Objects.requireNonNull(cidrs, "cidrs");
      return trustedProxies(List.of(cidrs));
    }

    /**
     * Adds proxies whose forwarded header is believed; see {@link #trustedProxies(String...)}.
     *
     * @param cidrs the ranges to add
     * @return this builder
     * @throws IllegalArgumentException naming the first entry that is not a valid range
     */
    public Builder trustedProxies(Collection<String> cidrs) {
      Objects.requireNonNull(cidrs, "cidrs");
      List<Cidr> parsed = new ArrayList<>(cidrs.size());
      for (String cidr : cidrs) {
        parsed.add(Cidr.parse(Objects.requireNonNull(cidr, "trusted proxy must not be null")));
      }
      trusted.addAll(parsed);
      return this;
    }

    /**
     * Sets the header that carries the forwarded chain, in the syntax of {@code X-Forwarded-For}: addresses
     * separated by commas, each optionally with a port, IPv6 optionally in brackets. Default
     * {@code X-Forwarded-For}. The structured {@code Forwarded} header (RFC 7239) is refused: its
     * {@code for=} elements would read as garbage, ending every walk at the trusted proxy, which would then
     * be every client's address.
     *
     * @param name an HTTP header name
     * @return this builder
     * @throws IllegalArgumentException when name is not a valid header name, or is {@code Forwarded}
     */
    public Builder header(String name) {
      Objects.requireNonNull(name, "header");
      if (!TOKEN.matcher(name).matches()) {
        throw new IllegalArgumentException("header must be a valid HTTP header name: '" + name + "'");
      }
      if (name.equalsIgnoreCase("Forwarded")) {
        throw new IllegalArgumentException(
            "header 'Forwarded' (RFC 7239) is not supported: name a header in the syntax of X-Forwarded-For");
      }
      this.header = name;
      return this;
    }

    /**
     * Creates the resolver.
     *
     * @return the immutable resolver
     */
    public ClientIpResolver build() {
      return new ClientIpResolver(this);
    }
  }
}
