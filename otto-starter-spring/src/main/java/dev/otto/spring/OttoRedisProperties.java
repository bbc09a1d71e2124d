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

  /**
   * Whether otto.redis.url names the seed nodes of a Redis Cluster, for example
   * redis://10.0.0.1:7000,10.0.0.2:7000 (environment OTTO_REDIS_CLUSTER). Rate limiting then runs on the
   * cluster; the Redis idempotency store does not support one.
   */
  private boolean cluster;

  public @Nullable String getUrl() {
    return url;
  }

  public void setUrl(@Nullable String url) {
    this.url = url;
  }

  public boolean isCluster() {
    return cluster;
  }

  public void setCluster(boolean cluster) {
    this.cluster = cluster;
  }
}
