package dev.otto.spring.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitches;
import dev.otto.problem.Problem;
import dev.otto.problem.ProblemException;
import dev.otto.spring.switches.OttoSwitchesAutoConfiguration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.RequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * Spring MVC's own 4xx answers as {@code OttoMvcExceptionHandler} writes them. A 405's {@code Allow} names
 * what the resource supports (RFC 9110), the same methods Spring MVC's own OPTIONS answer lists. Spring MVC's
 * {@code detail} is kept when it describes the request briefly, and left out when it would repeat an
 * oversized path or method.
 */
class SpringMvcProblemsTest {

  private static final String LONG = "a".repeat(3000);

  private final WebApplicationContextRunner web =
      new WebApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(OttoSwitchesAutoConfiguration.class, OttoProblemAutoConfiguration.class,
                  OttoProblemDisabledAutoConfiguration.class))
          .withUserConfiguration(Resources.class);

  @Test
  void aGetResourceAllowsHeadAndOptionsToo() {
    web.run(context -> {
      MockHttpServletResponse response = perform(context, post("/greeting"));

      assertThat(response.getStatus()).isEqualTo(405);
      assertThat(response.getContentType()).startsWith("application/problem+json");
      assertThat(allow(response)).containsExactlyInAnyOrder("GET", "HEAD", "OPTIONS");
    });
  }

  @Test
  void listsTheSameMethodsAsSpringMvcsOptionsAnswer() {
    web.run(context -> {
      for (String path : List.of("/greeting", "/orders", "/submit")) {
        List<String> onOptions = allow(perform(context, options(path)));

        assertThat(allow(perform(context, request(HttpMethod.DELETE, path))))
            .as(path)
            .containsExactlyInAnyOrderElementsOf(onOptions);
      }
    });
  }

  @Test
  void aResourceWithoutGetDoesNotAllowHead() {
    web.run(context -> {
      MockHttpServletResponse response = perform(context, get("/submit"));

      assertThat(response.getStatus()).isEqualTo(405);
      assertThat(allow(response)).containsExactlyInAnyOrder("POST", "OPTIONS");
    });
  }

  @Test
  void keepsEveryMethodSpringMvcLists() {
    web.run(context -> {
      MockHttpServletResponse response = perform(context, request(HttpMethod.PUT, "/orders"));

      assertThat(response.getStatus()).isEqualTo(405);
      assertThat(allow(response)).containsExactlyInAnyOrder("GET", "HEAD", "POST", "OPTIONS");
    });
  }

  @Test
  void switchedOffAtRunTimeSpringMvcAnswersAsItWouldWithoutOtto() {
    web.run(context -> {
      context.getBean(ComponentSwitches.class).get(Component.PROBLEM).setEnabled(false);

      MockHttpServletResponse response = perform(context, post("/greeting"));

      assertThat(response.getStatus()).isEqualTo(405);
      assertThat(allow(response)).containsExactly("GET");
    });
  }

  @Test
  void keepsSpringMvcsDetailOfAnOrdinaryRequest() {
    web.run(context -> {
      String notFound = perform(context, get("/nothing-here")).getContentAsString();
      String notAllowed = perform(context, post("/greeting")).getContentAsString();

      assertThat(notFound).contains("\"status\":404").contains("\"detail\":").contains("/nothing-here");
      assertThat(notAllowed).contains("\"status\":405").contains("\"detail\":").contains("POST");
    });
  }

  @Test
  void leavesOutADetailThatWouldRepeatAnOversizedPath() {
    web.run(context -> {
      MockHttpServletResponse response = perform(context, get("/" + LONG));

      assertThat(response.getStatus()).isEqualTo(404);
      assertThat(response.getContentType()).startsWith("application/problem+json");
      assertThat(response.getContentAsString()).doesNotContain(LONG).doesNotContain("\"detail\"");
    });
  }

  @Test
  void leavesOutADetailThatWouldRepeatAnOversizedMethod() {
    web.run(context -> {
      MockHttpServletResponse response = perform(context, request(HttpMethod.valueOf(LONG), "/greeting"));

      assertThat(response.getStatus()).isEqualTo(405);
      assertThat(response.getContentType()).startsWith("application/problem+json");
      assertThat(response.getContentAsString()).doesNotContain(LONG).doesNotContain("\"detail\"");
    });
  }

  @Test
  void answersAnApplicationsProblemExceptionAsAProblem() {
    web.run(context -> {
      MockHttpServletResponse response = perform(context, get("/invalid"));

      assertThat(response.getStatus()).isEqualTo(400);
      assertThat(response.getContentType()).startsWith("application/problem+json");
      assertThat(response.getContentAsString()).contains("\"detail\":\"The order is invalid.\"");
    });
  }

  @Test
  void switchedOffAtRunTimeAnApplicationsProblemExceptionKeepsItsStatus() {
    web.run(context -> {
      context.getBean(ComponentSwitches.class).get(Component.PROBLEM).setEnabled(false);

      MockHttpServletResponse response = perform(context, get("/invalid"));

      // Sent as an error for the container's error page, as Spring MVC sends a ResponseStatusException.
      assertThat(response.getStatus()).isEqualTo(400);
      assertThat(response.isCommitted()).isTrue();
      assertThat(response.getContentAsString()).isEmpty();
    });
  }

  @Test
  void disabledAtStartAnApplicationsProblemExceptionKeepsItsStatus() {
    web.withPropertyValues("otto.problem.enabled=false").run(context -> {
      assertThat(context).doesNotHaveBean(OttoMvcExceptionHandler.class);

      MockHttpServletResponse response = perform(context, get("/invalid"));

      assertThat(response.getStatus()).isEqualTo(400);
      assertThat(response.isCommitted()).isTrue();
      assertThat(response.getContentAsString()).isEmpty();
    });
  }

  @Test
  void enabledTheStatusOnlyAdviceStaysOut() {
    web.run(context -> assertThat(context).doesNotHaveBean(ProblemExceptionStatusAdvice.class));
  }

  private static MockHttpServletResponse perform(WebApplicationContext context, RequestBuilder request)
      throws Exception {
    MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
    return mvc.perform(request).andReturn().getResponse();
  }

  /** The methods of every Allow field, however they are split between fields and commas. */
  private static List<String> allow(MockHttpServletResponse response) {
    return response.getHeaders("Allow").stream()
        .flatMap(field -> Arrays.stream(field.split(",")))
        .map(String::trim)
        .filter(method -> !method.isEmpty())
        .toList();
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebMvc
  static class Resources {

    @Bean
    Endpoints endpoints() {
      return new Endpoints();
    }
  }

  @RestController
  static class Endpoints {

    @GetMapping("/greeting")
    String greeting() {
      return "hello";
    }

    @RequestMapping(path = "/orders", method = {RequestMethod.GET, RequestMethod.POST})
    String orders() {
      return "[]";
    }

    @PostMapping("/submit")
    String submit() {
      return "{}";
    }

    @GetMapping("/invalid")
    String invalid() {
      throw new ProblemException(Problem.builder(400).detail("The order is invalid.").build());
    }
  }
}
