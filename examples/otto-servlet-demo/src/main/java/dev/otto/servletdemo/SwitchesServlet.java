package dev.otto.servletdemo;

import dev.otto.core.Component;
import dev.otto.core.ComponentSwitch;
import dev.otto.core.ComponentSwitches;
import dev.otto.core.Mode;
import dev.otto.problem.Problem;
import dev.otto.problem.servlet.ProblemResponseWriter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * A minimal admin API over the {@link ComponentSwitches}, so an operator can back a component out, or
 * put it in shadow mode, without a restart:
 * <ul>
 *   <li>{@code GET /admin/switches}: {@code [{"component":"ratelimit","enabled":true,"mode":"enforce"},
 *       ...]}, every component in a fixed order;
 *   <li>{@code GET /admin/switches/{component}}: that component's entry;
 *   <li>{@code POST /admin/switches/{component}} with {@code {"enabled": bool}}, {@code {"mode":
 *       "enforce"|"shadow"}} or both: switches it from the next request on and answers with its entry.
 *       Only {@code ratelimit} and {@code idempotency} have a shadow mode.
 * </ul>
 * An unknown component is a {@code 404} problem, a body that is not such an object a {@code 400} problem;
 * neither repeats the input.
 *
 * <p><strong>This is an example, not a production endpoint.</strong> It has no authentication, no
 * authorisation and no audit of who called it: anyone who reaches it can turn rate limiting off. Never
 * expose it publicly; bind it to an internal port or put it behind your own access control. (The Spring
 * starter offers the same operations as the Actuator endpoint {@code /actuator/otto}, under Actuator's
 * exposure and security rules.)
 */
final class SwitchesServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  private final transient ComponentSwitches switches;
  private final transient DemoJson json;
  private final transient ProblemResponseWriter problems;

  SwitchesServlet(ComponentSwitches switches, DemoJson json, ProblemResponseWriter problems) {
    this.switches = switches;
    this.json = json;
    this.problems = problems;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String pathInfo = request.getPathInfo();
    boolean list = pathInfo == null || pathInfo.equals("/");
    String method = request.getMethod();
    if (list) {
      if (AllowedMethods.GET.admit(request, response, problems)) {
        json.write(response, HttpServletResponse.SC_OK, this::writeAll);
      }
      return;
    }
    Optional<ComponentSwitch> found = switches.find(pathInfo.substring(1));
    if (found.isEmpty()) {
      problems.write(request, response, Problem.builder(404)
          .detail("There is no such component; the components are " + componentIds() + ".")
          .build());
      return;
    }
    ComponentSwitch componentSwitch = found.get();
    if (!AllowedMethods.GET_AND_POST.admit(request, response, problems)) {
      return;
    }
    if (AllowedMethods.isGet(method)) {
      json.write(response, HttpServletResponse.SC_OK, body -> writeOne(body, componentSwitch));
    } else {
      change(request, response, componentSwitch);
    }
  }

  private void change(HttpServletRequest request, HttpServletResponse response, ComponentSwitch componentSwitch)
      throws IOException {
    byte[] bytes = DemoJson.readBody(request.getInputStream());
    Change change = bytes == null ? null : parse(bytes);
    if (change == null) {
      problems.write(request, response, Problem.builder(400)
          .detail("The body must be a JSON object with \"enabled\": true|false, \"mode\": \"enforce\"|\"shadow\","
              + " or both.")
          .build());
      return;
    }
    if (change.mode() == Mode.SHADOW && !hasShadowMode(componentSwitch.component())) {
      problems.write(request, response, Problem.builder(400)
          .detail("Only ratelimit and idempotency have a shadow mode.")
          .error("must be \"enforce\" for this component", "#/mode")
          .build());
      return;
    }
    // Validated as a whole first, so a bad body changes nothing.
    if (change.mode() != null) {
      componentSwitch.setMode(change.mode());
    }
    if (change.enabled() != null) {
      componentSwitch.setEnabled(change.enabled());
    }
    json.write(response, HttpServletResponse.SC_OK, body -> writeOne(body, componentSwitch));
  }

  private record Change(@Nullable Boolean enabled, @Nullable Mode mode) {}

  /** The change in {@code body}, or {@code null} unless it is an object of known, well-typed members. */
  private @Nullable Change parse(byte[] body) {
    try (JsonParser parser = json.parser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Boolean enabled = null;
      Mode mode = null;
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.PROPERTY_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("enabled".equals(name) && enabled == null && value.isBoolean()) {
          enabled = value == JsonToken.VALUE_TRUE;
        } else if ("mode".equals(name) && mode == null && value == JsonToken.VALUE_STRING) {
          mode = Mode.byId(parser.getString()).orElse(null);
          if (mode == null) {
            return null;
          }
        } else {
          return null; // unknown, repeated or mistyped member: refuse rather than guess
        }
      }
      if (token != JsonToken.END_OBJECT || parser.nextToken() != null || (enabled == null && mode == null)) {
        return null;
      }
      return new Change(enabled, mode);
    } catch (JacksonException malformed) {
      return null;
    }
  }

  private void writeAll(JsonGenerator body) {
    body.writeStartArray();
    for (ComponentSwitch componentSwitch : switches.all()) {
      writeOne(body, componentSwitch);
    }
    body.writeEndArray();
  }

  private static void writeOne(JsonGenerator body, ComponentSwitch componentSwitch) {
    body.writeStartObject();
    body.writeStringProperty("component", componentSwitch.component().id());
    body.writeBooleanProperty("enabled", componentSwitch.isEnabled());
    body.writeStringProperty("mode", componentSwitch.mode().id());
    body.writeEndObject();
  }

  private static boolean hasShadowMode(Component component) {
    return component == Component.RATELIMIT || component == Component.IDEMPOTENCY;
  }

  private static String componentIds() {
    StringBuilder ids = new StringBuilder();
    for (Component component : Component.values()) {
      if (ids.length() > 0) {
        ids.append(", ");
      }
      ids.append(component.id());
    }
    return ids.toString();
  }
}
