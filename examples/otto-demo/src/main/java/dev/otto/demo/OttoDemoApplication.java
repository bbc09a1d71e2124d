package dev.otto.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Starts the demo: {@code java -jar examples/otto-demo/target/otto-demo.jar}. */
@SpringBootApplication
public class OttoDemoApplication {

  public static void main(String[] args) {
    SpringApplication.run(OttoDemoApplication.class, args);
  }
}
