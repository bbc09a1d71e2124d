package dev.otto.spring.idempotency;

import dev.otto.core.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/** Configuration of Otto's idempotency keys (otto.idempotency.*). */
@ConfigurationProperties(prefix = "otto.idempotency")
public class OttoIdempotencyProperties {

  /** Whether to honour idempotency keys. false creates none of the idempotency beans. */
  private boolean enabled = true;

  /** Where records are kept: memory (per instance), redis (otto.redis.url) or jdbc (the DataSource). */
  private Store store = Store.MEMORY;

  /**
   * Whether duplicates are blocked and replayed, or only observed (shadow: detect and count duplicates and
   * mismatches, never block or replay). Switchable at run time through the Actuator endpoint otto.
   */
  private Mode mode = Mode.ENFORCE;

  /** How long a completed response is kept and replayed. */
  private Duration ttl = Duration.ofHours(24);

  /** How long a running request holds its key; a crashed or hung handler loses it after this. */
  private Duration lease = Duration.ofSeconds(60);

  /** Largest request body the filter buffers to fingerprint; larger requests get 413. */
  private DataSize maxRequestBody = DataSize.ofMegabytes(1);

  /** Largest response body stored for replay; larger responses are sent but not stored. */
  private DataSize maxStoredBody = DataSize.ofMegabytes(1);

  /** Routes that honour idempotency keys, by name. */
  private Map<String, Route> routes = new LinkedHashMap<>();

  private final Memory memory = new Memory();

  private final Redis redis = new Redis();

  private final Jdbc jdbc = new Jdbc();

  /** The kinds of store. */
  public enum Store {
    /** In memory, per instance. */
    MEMORY,
    /** Redis, shared by every instance using otto.redis.url. */
    REDIS,
    /** PostgreSQL through the application's DataSource, shared by every instance. */
    JDBC
  }

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

  public Store getStore() {
    return store;
  }

  public void setStore(Store store) {
    this.store = store;
  }

  public Duration getTtl() {
    return ttl;
  }

  public void setTtl(Duration ttl) {
    this.ttl = ttl;
  }

  public Duration getLease() {
    return lease;
  }

  public void setLease(Duration lease) {
    this.lease = lease;
  }

  public DataSize getMaxRequestBody() {
    return maxRequestBody;
  }

  public void setMaxRequestBody(DataSize maxRequestBody) {
    this.maxRequestBody = maxRequestBody;
  }

  public DataSize getMaxStoredBody() {
    return maxStoredBody;
  }

  public void setMaxStoredBody(DataSize maxStoredBody) {
    this.maxStoredBody = maxStoredBody;
  }

  public Map<String, Route> getRoutes() {
    return routes;
  }

  public void setRoutes(Map<String, Route> routes) {
    this.routes = routes;
  }

  public Memory getMemory() {
    return memory;
  }

  public Redis getRedis() {
    return redis;
  }

  public Jdbc getJdbc() {
    return jdbc;
  }

  /** One route: the requests it covers and where their key comes from. */
  public static class Route {

    /** Path patterns: exact (/api/payments), * for one segment, /** for a subtree (/webhooks/**). */
    private List<String> paths = new ArrayList<>();

    /** HTTP methods covered. */
    private List<String> methods = new ArrayList<>(List.of("POST", "PATCH"));

    /** Request header carrying the key. */
    private String keyHeader = "Idempotency-Key";

    /** Whether a request without a key is rejected (400) rather than run without deduplication. */
    private boolean required = true;

    /** Request headers that are part of the fingerprint besides method, path and body. */
    private List<String> fingerprintHeaders = new ArrayList<>();

    /** Whether to observe only: detect and count duplicates and mismatches, but never block or replay. */
    private boolean shadow = false;

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

    public String getKeyHeader() {
      return keyHeader;
    }

    public void setKeyHeader(String keyHeader) {
      this.keyHeader = keyHeader;
    }

    public boolean isRequired() {
      return required;
    }

    public void setRequired(boolean required) {
      this.required = required;
    }

    public List<String> getFingerprintHeaders() {
      return fingerprintHeaders;
    }

    public void setFingerprintHeaders(List<String> fingerprintHeaders) {
      this.fingerprintHeaders = fingerprintHeaders;
    }

    public boolean isShadow() {
      return shadow;
    }

    public void setShadow(boolean shadow) {
      this.shadow = shadow;
    }
  }

  /** The in-memory store. */
  public static class Memory {

    /**
     * Most completed records held (claims whose lease has passed count too); the least recently used go
     * first. The claims of running requests are not counted and never evicted for size.
     */
    private long maximumKeys = 100_000;

    /**
     * Most heap the completed records (and claims whose lease has passed) may take, as estimated from their
     * bodies, headers and a fixed overhead each; the least recently used go first, and a response larger than
     * this alone is sent, not stored, and its key released. The claims of running requests weigh nothing and
     * are never evicted for size.
     */
    private DataSize maximumBytes = DataSize.ofMegabytes(64);

    public long getMaximumKeys() {
      return maximumKeys;
    }

    public void setMaximumKeys(long maximumKeys) {
      this.maximumKeys = maximumKeys;
    }

    public DataSize getMaximumBytes() {
      return maximumBytes;
    }

    public void setMaximumBytes(DataSize maximumBytes) {
      this.maximumBytes = maximumBytes;
    }
  }

  /** The Redis store. */
  public static class Redis {

    /** Longest wait for one Redis operation before the request gets 503 (and does not run). */
    private Duration commandTimeout = Duration.ofMillis(200);

    /** Prefix of every idempotency key in Redis. */
    private String keyPrefix = "otto:idem:";

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

  /** The PostgreSQL store. */
  public static class Jdbc {

    /** Table holding the records (optionally schema-qualified). */
    private String tableName = "otto_idempotency";

    /** Whether to create the table on start when it is missing (see schema-postgresql.sql). */
    private boolean createTable = false;

    /** Longest a store statement may run before the request gets 503. */
    private Duration statementTimeout = Duration.ofSeconds(2);

    /** Longest a store statement waits for a row lock before the request gets 503. */
    private Duration lockTimeout = Duration.ofMillis(500);

    /** How often expired records are deleted, in batches; 0 to leave cleanup to the application. */
    private Duration cleanupInterval = Duration.ofHours(1);

    public String getTableName() {
      return tableName;
    }

    public void setTableName(String tableName) {
      this.tableName = tableName;
    }

    public boolean isCreateTable() {
      return createTable;
    }

    public void setCreateTable(boolean createTable) {
      this.createTable = createTable;
    }

    public Duration getStatementTimeout() {
      return statementTimeout;
    }

    public void setStatementTimeout(Duration statementTimeout) {
      this.statementTimeout = statementTimeout;
    }

    public Duration getLockTimeout() {
      return lockTimeout;
    }

    public void setLockTimeout(Duration lockTimeout) {
      this.lockTimeout = lockTimeout;
    }

    public Duration getCleanupInterval() {
      return cleanupInterval;
    }

    public void setCleanupInterval(Duration cleanupInterval) {
      this.cleanupInterval = cleanupInterval;
    }
  }
}
