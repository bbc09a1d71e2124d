package dev.otto.spring.problem;

import dev.otto.problem.ProblemException;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * With Otto's problem component disabled at start, answers an application's {@link ProblemException} with
 * the status of its problem, as Spring MVC answers a {@code ResponseStatusException}: through the
 * container's error page, in Spring Boot's own format. An application that signals its 400s with Otto's
 * exception then keeps answering 400, not 500, while problems are off.
 *
 * <p>Lowest precedence: an application's own {@code @ControllerAdvice} handlers win.
 */
@ControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
final class ProblemExceptionStatusAdvice {

  @ExceptionHandler(ProblemException.class)
  void answerWithItsStatus(ProblemException exception, HttpServletResponse response) throws Exception {
    sendStatus(exception, exception.problem().status(), response);
  }

  /**
   * Answers {@code exception} with {@code status} and no problem document, as Spring MVC answers a
   * {@code ResponseStatusException}: through the container's error page. Also used by
   * {@link OttoMvcExceptionHandler} while problems are switched off at run time.
   */
  static void sendStatus(Exception exception, int status, HttpServletResponse response) throws Exception {
    if (response.isCommitted()) {
      throw exception; // too late for a status, as for Spring MVC's own handling
    }
    response.sendError(status);
  }
}
