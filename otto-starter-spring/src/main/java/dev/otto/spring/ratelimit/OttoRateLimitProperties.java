package dev.otto.spring.ratelimit;

import dev.otto.core.Mode;
import dev.otto.ratelimit.FailureMode;
import dev.otto.ratelimit.servlet.MissingKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Configuration of Otto's rate limiting (otto.ratelimit.*). */
@ConfigurationProperties(prefix = "otto.ratelimit")
public class OttoRateLimitProperties {

  /** Whether to rate-limit requests. false creates none of the rate-limit beans. */
  private boolean enabled = true;

  /**
   * What the limiter does while Redis is unreachable: decide with the in-memory limiter (fail-local), let
   * every request through (fail-open) or reject every request (fail-closed).
   */
  private FailureMode failureMode = FailureMode.FAIL_LOCAL;

  /**
   * Whether limits are enforced, or only observed (shadow: decide, count and log, never reject). Switchable
   * at run time through the Actuator endpoint otto.
   */
  private Mode mode = Mode.ENFORCE;

  /**
   * Proxies whose X-Forwarded-For entries are trusted, as addresses or CIDR ranges (IPv4 and IPv6). The
   * client IP is the rightmost address that is not one of them.
   */
  private List<String> trustedProxies = new ArrayList<>();

  /**
   * Request header that proxies append client addresses to, in the syntax of X-Forwarded-For (Forwarded,
   * RFC 7239, is refused at start).
   */
  private String clientIpHeader = "X-Forwarded-For";

  /**
   * How many leading bits of an IPv6 client address identify the client in the ip key, from 1 to 128. An
   * IPv6 client usually holds a whole /64 (often a /56 or /48) and can send each request from a new
   * address in it; 64 keys each /64 network as one client. 128 keys each address. IPv4 is not affected, nor
   * are IPv4 clients seen through NAT64's well-known prefix 64:ff9b::/96 (those of a network-specific
   * translator prefix share one key per network).
   */
  private int ipv6PrefixLength = 128;

  /** Rate-limit policies by name; the name appears in the RateLimit headers and metrics. */
  private Map<String, Policy> policies = new LinkedHashMap<>();

  private final Local local = new Local();

  private final Redis redis = new Redis();

  private final Fallback fallback = new Fallback();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public Mode getMode() {
    return mode;
  }

  public void setMode(Mode mode) {
    this.mode = mode;
  }

  public FailureMode getFailureMode() {
    return failureMode;
  }

  public void setFailureMode(FailureMode failureMode) {
    this.failureMode = failureMode;
  }

  public List<String> getTrustedProxies() {
    return trustedProxies;
  }

  public void setTrustedProxies(List<String> trustedProxies) {
    this.trustedProxies = trustedProxies;
  }

  public String getClientIpHeader() {
    return clientIpHeader;
  }

  public void setClientIpHeader(String clientIpHeader) {
    this.clientIpHeader = clientIpHeader;
  }

  public int getIpv6PrefixLength() {
    return ipv6PrefixLength;
  }

  public void setIpv6PrefixLength(int ipv6PrefixLength) {
    this.ipv6PrefixLength = ipv6PrefixLength;
  }

  public Map<String, Policy> getPolicies() {
    return policies;
  }

  public void setPolicies(Map<String, Policy> policies) {
    this.policies = policies;
  }

  public Local getLocal() {
    return local;
  }

  public Redis getRedis() {
    return redis;
  }

  public Fallback getFallback() {
    return fallback;
  }

  /** One named policy: its limits, the requests it applies to and how they are keyed. */
  public static class Policy {

    /** Limits checked together in one decision, for example 10 per second and 1000 per hour. */
    private List<LimitSpec> limits = new ArrayList<>();

    /**
     * Limits each instance applies on its own while Redis is unreachable (failure-mode fail-local), in the
     * same form as limits. Empty: the policy's own limits, which then hold per instance, so N instances allow
     * up to N times the shared limit; for example the shared quota divided by the number of instances.
     */
    private List<LimitSpec> fallbackLimits = new ArrayList<>();

    /** Path patterns the policy applies to: exact (/api/greeting), * for one segment, /** for a subtree. */
    private List<String> paths = new ArrayList<>(List.of("/**"));

    /**
     * HTTP methods the policy applies to; empty for all but CORS preflights (OPTIONS with Origin and
     * Access-Control-Request-Method), which only a policy listing OPTIONS limits.
     */
    private List<String> methods = new ArrayList<>();

    /**
     * What identifies a client, as a comma-separated list tried in order: ip, principal,
     * header:NAME. For example header:X-Api-Key,ip: the API key when present, else the IP.
     */
    private String key = "ip";

    /** What happens to a request without a key: skip (not limited), reject (400) or shared (one bucket). */
    private MissingKey missingKey = MissingKey.SKIP;

    /** Whether to observe only: decide, count and log, but never reject or add headers. */
    private boolean shadow = false;

    public List<LimitSpec> getLimits() {
      return limits;
    }

    public void setLimits(List<LimitSpec> limits) {
      this.limits = limits;
    }

    public List<LimitSpec> getFallbackLimits() {
      return fallbackLimits;
    }

    public void setFallbackLimits(List<LimitSpec> fallbackLimits) {
      this.fallbackLimits = fallbackLimits;
    }

    public List<String> getPaths() {
      return paths;
    }

    public void setPaths(List<String> paths) {
      this.paths = paths;
    }

    public List<String> getMethods() {
      return methods;
    }

    public void setMethods(List<String> methods) {
      this.methods = methods;
    }

    public String getKey() {
      return key;
    }

    public void setKey(String key) {
      this.key = key;
    }

    public MissingKey getMissingKey() {
      return missingKey;
    }

    public void setMissingKey(MissingKey missingKey) {
      this.missingKey = missingKey;
    }

    public boolean isShadow() {
      return shadow;
    }

    public void setShadow(boolean shadow) {
      this.shadow = shadow;
    }
  }

  /** One limit of a policy: quota requests per period, up to burst at once. */
  public static class LimitSpec {

    /** Requests allowed per period. */
    private long quota;

    /** The period the quota applies to. */
    private @Nullable Duration period;

    /** Requests allowed at once; defaults to the quota. */
    private @Nullable Long burst;

    public long getQuota() {
      return quota;
    }

    public void setQuota(long quota) {
      this.quota = quota;
    }

    public @Nullable Duration getPeriod() {
      return period;
    }

    public void setPeriod(@Nullable Duration period) {
      this.period = period;
    }

    public @Nullable Long getBurst() {
      return burst;
    }

    public void setBurst(@Nullable Long burst) {
      this.burst = burst;
    }
  }

  /** The in-memory limiter, used alone without Redis and as the fallback with it. */
  public static class Local {

    /** Most client keys held in memory; beyond it the least used are evicted and start again with a full bucket. */
    private long maximumKeys = 100_000;

    /**
     * How finely decisions see time: a background thread reads the system clock this often while decisions are made (0 reads it on every decision).
     */
    private Duration clockResolution = Duration.ofMillis(1);

    public long getMaximumKeys() {
      return maximumKeys;
    }

    public void setMaximumKeys(long maximumKeys) {
      this.maximumKeys = maximumKeys;
    }

    public Duration getClockResolution() {
      return clockResolution;
    }

    public void setClockResolution(Duration clockResolution) {
      this.clockResolution = clockResolution;
    }
  }

  /** The Redis limiter, used when otto.redis.url is set. */
  public static class Redis {

    /** Longest wait for one Redis decision before the fallback takes over. */
    private Duration commandTimeout = Duration.ofMillis(50);

    /** Prefix of every rate-limit key in Redis. */
    private String keyPrefix = "otto:rl:";

    public Duration getCommandTimeout() {
      return commandTimeout;
    }

    public void setCommandTimeout(Duration commandTimeout) {
      this.commandTimeout = commandTimeout;
    }

    public String getKeyPrefix() {
      return keyPrefix;
    }

    public void setKeyPrefix(String keyPrefix) {
      this.keyPrefix = keyPrefix;
    }
  }

  /** Switching to the in-memory limiter when Redis fails, and back. */
  public static class Fallback {

    /** Consecutive Redis failures or timeouts that switch decisions to the in-memory limiter. */
    private int failureThreshold = 3;

    /** How often Redis is probed while decisions are local; it is used again after the first success. */
    private Duration probeInterval = Duration.ofSeconds(1);

    public int getFailureThreshold() {
      return failureThreshold;
    }

    public void setFailureThreshold(int failureThreshold) {
      this.failureThreshold = failureThreshold;
    }

    public Duration getProbeInterval() {
      return probeInterval;
    }

    public void setProbeInterval(Duration probeInterval) {
      this.probeInterval = probeInterval;
    }
  }
}
