package dev.otto.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** The Redis server Otto's components share (otto.redis.*). */
@ConfigurationProperties(prefix = "otto.redis")
public class OttoRedisProperties {

  /**
   * Redis URI, for example redis://127.0.0.1:6379 (environment OTTO_REDIS_URL). When it is
   * not set, rate limiting runs on the in-memory limiter only.
   */
  private @Nullable String url;

  public @Nullable String getUrl() {
    return url;
  }

  public void setUrl(@Nullable String url) {
    this.url = url;
  }
}
