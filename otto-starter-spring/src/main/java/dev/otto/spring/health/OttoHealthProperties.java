package dev.otto.spring.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** Configuration of Otto's liveness and readiness endpoints (otto.health.*). */
@ConfigurationProperties(prefix = "otto.health")
public class OttoHealthProperties {

  /** Whether to serve Otto's liveness and readiness endpoints. */
  private boolean enabled = true;

  /** Path of the liveness endpoint, which never touches a dependency. */
  private String healthPath = "/health";

  /** Path of the readiness endpoint. */
  private String readyPath = "/ready";

  /** Path of the worker heartbeat endpoint (served when worker heartbeats are enabled). */
  private String heartbeatPath = "/internal/worker/heartbeat";

  /** Service name in the readiness body; defaults to spring.application.name. */
  private @Nullable String service;

  /** Time each check may take before it counts as down. */
  private Duration timeout = Duration.ofSeconds(1);

  /** How long a check's result is reused, so probe storms run each check at most once per period. */
  private Duration cacheTtl = Duration.ofSeconds(1);

  /** Whether the readiness body includes each component's details (such as connection pool figures). */
  private boolean showDetails = false;

  /** Whether the application's DataSource is checked, as the critical component "database". */
  private boolean database = true;

  /** Whether Redis (otto.redis.url) is checked, as the non-critical component "redis". */
  private boolean redis = true;

  /**
   * Names of Actuator health indicators to run as critical readiness checks too (for example db,
   * diskSpace).
   */
  private List<String> actuatorIndicators = new ArrayList<>();

  private final Workers workers = new Workers();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getHealthPath() {
    return healthPath;
  }

  public void setHealthPath(String healthPath) {
    this.healthPath = healthPath;
  }

  public String getReadyPath() {
    return readyPath;
  }

  public void setReadyPath(String readyPath) {
    this.readyPath = readyPath;
  }

  public String getHeartbeatPath() {
    return heartbeatPath;
  }

  public void setHeartbeatPath(String heartbeatPath) {
    this.heartbeatPath = heartbeatPath;
  }

  public @Nullable String getService() {
    return service;
  }

  public void setService(@Nullable String service) {
    this.service = service;
  }

  public Duration getTimeout() {
    return timeout;
  }

  public void setTimeout(Duration timeout) {
    this.timeout = timeout;
  }

  public Duration getCacheTtl() {
    return cacheTtl;
  }

  public void setCacheTtl(Duration cacheTtl) {
    this.cacheTtl = cacheTtl;
  }

  public boolean isShowDetails() {
    return showDetails;
  }

  public void setShowDetails(boolean showDetails) {
    this.showDetails = showDetails;
  }

  public boolean isDatabase() {
    return database;
  }

  public void setDatabase(boolean database) {
    this.database = database;
  }

  public boolean isRedis() {
    return redis;
  }

  public void setRedis(boolean redis) {
    this.redis = redis;
  }

  public List<String> getActuatorIndicators() {
    return actuatorIndicators;
  }

  public void setActuatorIndicators(List<String> actuatorIndicators) {
    this.actuatorIndicators = actuatorIndicators;
  }

  public Workers getWorkers() {
    return workers;
  }

  /** In-process workers that report heartbeats. */
  public static class Workers {

    /** Whether to accept worker heartbeats and check them as the component "workers". */
    private boolean enabled = false;

    /** Whether a missing heartbeat makes the service not ready. */
    private boolean critical = true;

    /** How long after its last heartbeat a worker counts as stale. */
    private Duration staleAfter = Duration.ofSeconds(30);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public boolean isCritical() {
      return critical;
    }

    public void setCritical(boolean critical) {
      this.critical = critical;
    }

    public Duration getStaleAfter() {
      return staleAfter;
    }

    public void setStaleAfter(Duration staleAfter) {
      this.staleAfter = staleAfter;
    }
  }
}
