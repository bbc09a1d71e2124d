package dev.otto.demo;

import java.time.InstantSource;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The demo's own beans. */
@Configuration(proxyBeanMethods = false)
class DemoConfiguration {

  @Bean
  InstantSource clock() {
    return InstantSource.system();
  }

  @Bean
  WorkerHeartbeats workerHeartbeats(InstantSource clock) {
    return new WorkerHeartbeats(clock);
  }
}
