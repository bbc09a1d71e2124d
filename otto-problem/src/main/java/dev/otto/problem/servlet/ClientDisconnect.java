package dev.otto.problem.servlet;

/**
 * Recognises the exceptions containers raise when the client went away mid-response. These are not
 * server failures: logging each at ERROR would flood the log whenever clients cancel requests.
 *
 * <p>Only container exception types are recognised, never messages such as "Connection reset": those
 * also come from calls to downstream services, whose failures must stay visible.
 */
final class ClientDisconnect {

  private static final int MAX_CAUSES = 8;

  private ClientDisconnect() {}

  static boolean isCause(Throwable failure) {
    Throwable current = failure;
    for (int i = 0; current != null && i < MAX_CAUSES; i++, current = current.getCause()) {
      String name = current.getClass().getName();
      // Tomcat, Jetty and Spring; checked by name so as to depend on none of them.
      if (name.equals("org.apache.catalina.connector.ClientAbortException")
          || name.equals("org.eclipse.jetty.io.EofException")
          || name.equals("org.springframework.web.context.request.async.AsyncRequestNotUsableException")) {
        return true;
      }
    }
    return false;
  }
}
