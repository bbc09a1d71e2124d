package dev.otto.problem.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otto.problem.Problem;
import dev.otto.problem.ProblemException;
import dev.otto.problem.testing.FakeHttp;
import jakarta.servlet.ServletException;
import jakarta.servlet.UnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

class ExceptionMappingsTest {

  private final HttpServletRequest request = FakeHttp.request().build();

  static class OrderException extends RuntimeException {
    OrderException(String message) {
      super(message);
    }
  }

  static class OrderNotFoundException extends OrderException {
    OrderNotFoundException() {
      super("not found");
    }
  }

  static class OrderNotFoundAgainException extends OrderNotFoundException {}

  @Test
  void defaultsMapOnlyProblemException() {
    Problem problem = Problem.builder(409).detail("taken").build();

    assertThat(ExceptionMappings.defaults().toProblem(new ProblemException(problem), request))
        .isSameAs(problem);
    assertThat(ExceptionMappings.defaults().toProblem(new IllegalStateException(), request)).isNull();
  }

  @Test
  void mostSpecificRegisteredClassWins() {
    ExceptionMappings mappings = ExceptionMappings.builder()
        .map(RuntimeException.class, (e, r) -> Problem.of(500))
        .map(OrderNotFoundException.class, (e, r) -> Problem.of(404))
        .map(OrderException.class, (e, r) -> Problem.of(400))
        .build();

    assertThat(mappings.toProblem(new OrderNotFoundException(), request).status()).isEqualTo(404);
    assertThat(mappings.toProblem(new OrderNotFoundAgainException(), request).status()).isEqualTo(404);
    assertThat(mappings.toProblem(new OrderException("x"), request).status()).isEqualTo(400);
    assertThat(mappings.toProblem(new IllegalStateException(), request).status()).isEqualTo(500);
    assertThat(mappings.toProblem(new IOException(), request)).isNull();
  }

  @Test
  void mappingReceivesTheExceptionAndTheRequest() {
    ExceptionMappings mappings = ExceptionMappings.builder()
        .map(OrderException.class, (e, r) -> Problem.builder(400)
            .detail(e.getMessage() + " at " + r.getRequestURI())
            .build())
        .build();

    assertThat(mappings.toProblem(new OrderException("bad order"), request).detail())
        .isEqualTo("bad order at /orders/42");
  }

  @Test
  void laterRegistrationOfTheSameClassReplacesTheEarlierOne() {
    ExceptionMappings mappings = ExceptionMappings.builder()
        .map(OrderException.class, (e, r) -> Problem.of(400))
        .map(OrderException.class, (e, r) -> Problem.of(422))
        .map(ProblemException.class, (e, r) -> Problem.of(418))
        .build();

    assertThat(mappings.toProblem(new OrderException("x"), request).status()).isEqualTo(422);
    assertThat(mappings.toProblem(new ProblemException(Problem.of(409)), request).status())
        .isEqualTo(418);
  }

  @Test
  void servletExceptionsAreUnwrappedToTheirCauseRepeatedly() {
    ExceptionMappings mappings = ExceptionMappings.builder()
        .map(OrderNotFoundException.class, (e, r) -> Problem.of(404))
        .build();
    Throwable wrapped = new ServletException("outer",
        new ServletException("inner", new OrderNotFoundException()));

    assertThat(mappings.toProblem(wrapped, request).status()).isEqualTo(404);
  }

  @Test
  void problemExceptionInsideAServletExceptionKeepsItsProblem() {
    Problem problem = Problem.of(409);

    assertThat(ExceptionMappings.defaults()
        .toProblem(new ServletException(new ProblemException(problem)), request)).isSameAs(problem);
  }

  @Test
  void servletExceptionIsNotUnwrappedWhenItsClassIsMapped() {
    ExceptionMappings mappings = ExceptionMappings.builder()
        .map(OrderNotFoundException.class, (e, r) -> Problem.of(404))
        .map(UnavailableException.class, (e, r) -> Problem.of(503))
        .build();
    UnavailableException unavailable = new UnavailableException("down");
    unavailable.initCause(new OrderNotFoundException());

    assertThat(mappings.toProblem(unavailable, request).status()).isEqualTo(503);
  }

  @Test
  void mappingServletExceptionItselfStopsUnwrappingOfAllOfThem() {
    ExceptionMappings mappings = ExceptionMappings.builder()
        .map(ServletException.class, (e, r) -> Problem.of(502))
        .map(OrderNotFoundException.class, (e, r) -> Problem.of(404))
        .build();

    assertThat(mappings.toProblem(new ServletException(new OrderNotFoundException()), request)
        .status()).isEqualTo(502);
  }

  @Test
  void aCatchAllMappingForExceptionDoesNotStopUnwrapping() {
    ExceptionMappings mappings = ExceptionMappings.builder()
        .map(Exception.class, (e, r) -> Problem.of(500))
        .map(OrderNotFoundException.class, (e, r) -> Problem.of(404))
        .build();

    assertThat(mappings.toProblem(new ServletException(new OrderNotFoundException()), request)
        .status()).isEqualTo(404);
  }

  @Test
  void servletExceptionWithoutCauseIsLookedUpAsItself() {
    assertThat(ExceptionMappings.defaults().toProblem(new ServletException("x"), request)).isNull();
  }

  @Test
  void otherWrappersAreNotUnwrapped() {
    ExceptionMappings mappings = ExceptionMappings.builder()
        .map(IOException.class, (e, r) -> Problem.of(502))
        .build();

    assertThat(mappings.toProblem(new UncheckedIOException(new IOException()), request)).isNull();
  }

  @Test
  void causeCyclesDoNotLoopForever() {
    ServletException first = new ServletException("first");
    ServletException second = new ServletException("second", first);
    first.initCause(second);

    assertThat(ExceptionMappings.defaults().toProblem(first, request)).isNull();
  }

  @Test
  void registriesAreIndependentOfTheirBuilder() {
    ExceptionMappings.Builder builder = ExceptionMappings.builder();
    ExceptionMappings before = builder.build();
    builder.map(OrderException.class, (e, r) -> Problem.of(400));

    assertThat(before.toProblem(new OrderException("x"), request)).isNull();
    assertThat(builder.build().toProblem(new OrderException("x"), request)).isNotNull();
  }
}
