package dev.otto.problem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProblemTest {

  @ParameterizedTest
  @ValueSource(ints = {-1, 0, 99, 600, 1000})
  void rejectsAStatusOutside100To599AndNamesIt(int status) {
    assertThatThrownBy(() -> Problem.builder(status))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("status")
        .hasMessageEndingWith(": " + status);
    assertThatThrownBy(() -> Problem.of(status)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void plainProblemHasAboutBlankTypeAndTheReasonPhraseAsTitle() {
    Problem problem = Problem.of(404);

    assertThat(problem.type()).isEqualTo(URI.create("about:blank"));
    assertThat(problem.title()).isEqualTo("Not Found");
    assertThat(problem.status()).isEqualTo(404);
    assertThat(problem.detail()).isNull();
    assertThat(problem.instance()).isNull();
    assertThat(problem.errors()).isEmpty();
    assertThat(problem.extensions()).isEmpty();
  }

  @Test
  void titleDefaultsToTheRfc9110ReasonPhrase() {
    assertThat(Problem.of(413).title()).isEqualTo("Content Too Large");
    assertThat(Problem.of(422).title()).isEqualTo("Unprocessable Content");
    assertThat(Problem.of(429).title()).isEqualTo("Too Many Requests");
    assertThat(Problem.of(500).title()).isEqualTo("Internal Server Error");
    assertThat(Problem.of(503).title()).isEqualTo("Service Unavailable");
  }

  @Test
  void unknownStatusesFallBackToAGenericTitle() {
    assertThat(Problem.of(499).title()).isEqualTo("Error");
    assertThat(Problem.of(599).title()).isEqualTo("Error");
    assertThat(Problem.of(299).title()).isEqualTo("Unknown Status");
  }

  @Test
  void explicitTitleReplacesTheReasonPhrase() {
    assertThat(Problem.builder(400).title("Invalid order").build().title()).isEqualTo("Invalid order");
  }

  @Test
  void rejectsABlankTitle() {
    assertThatThrownBy(() -> Problem.builder(400).title("  "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("title");
  }

  @Test
  void typeAcceptsAUriStringAndRejectsAnInvalidOneNamingIt() {
    assertThat(Problem.builder(400).type("https://example.com/problems/x").build().type())
        .isEqualTo(URI.create("https://example.com/problems/x"));
    assertThatThrownBy(() -> Problem.builder(400).type("not a uri"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'not a uri'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"type", "title", "status", "detail", "instance", "errors"})
  void extensionRejectsTheStandardMemberNames(String name) {
    assertThatThrownBy(() -> Problem.builder(400).extension(name, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + name + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t"})
  void extensionRejectsBlankNames(String name) {
    assertThatThrownBy(() -> Problem.builder(400).extension(name, "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("blank");
  }

  @Test
  void extensionRejectsValuesThatAreNotJsonLikeAndNamesTheType() {
    assertThatThrownBy(() -> Problem.builder(400).extension("when", new Object()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'when'")
        .hasMessageContaining("java.lang.Object");
    assertThatThrownBy(() -> Problem.builder(400).extension("counter", new AtomicLong()))
        .hasMessageContaining("java.util.concurrent.atomic.AtomicLong");
    assertThatThrownBy(() -> Problem.builder(400).extension("nested", List.of(Optional.empty())))
        .hasMessageContaining("java.util.Optional");
    assertThatThrownBy(() -> Problem.builder(400).extension("array", new String[] {"a"}))
        .hasMessageContaining("[Ljava.lang.String;");
  }

  @Test
  void extensionRejectsMapsWithNonStringKeys() {
    assertThatThrownBy(() -> Problem.builder(400).extension("byId", Map.of(1, "a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.Integer");
  }

  @Test
  void extensionRejectsNumbersJsonCannotRepresent() {
    assertThatThrownBy(() -> Problem.builder(400).extension("ratio", Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> Problem.builder(400).extension("ratio", Float.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void extensionRejectsACollectionThatContainsItself() {
    List<Object> loop = new ArrayList<>();
    loop.add(loop);
    assertThatThrownBy(() -> Problem.builder(400).extension("loop", loop))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nests deeper");
  }

  @Test
  void extensionsKeepInsertionOrderAndAcceptJsonLikeValues() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("z", 1);
    nested.put("a", null);
    Problem problem = Problem.builder(400)
        .extension("zeta", "s")
        .extension("alpha", 1L)
        .extension("mid", true)
        .extension("none", null)
        .extension("amount", new BigDecimal("12.50"))
        .extension("list", List.of(1, "two"))
        .extension("map", nested)
        .build();

    assertThat(problem.extensions().keySet())
        .containsExactly("zeta", "alpha", "mid", "none", "amount", "list", "map");
    assertThat(problem.extensions()).containsEntry("none", null);
    assertThat(problem.extensions().get("map")).isEqualTo(nested);
  }

  @Test
  void extensionValuesAreDeepCopiedAndImmutable() {
    List<Object> inner = new ArrayList<>(List.of("a"));
    Map<String, Object> map = new HashMap<>(Map.of("inner", inner));
    Problem problem = Problem.builder(400).extension("map", map).build();

    inner.add("b");
    map.put("other", "x");

    @SuppressWarnings("unchecked")
    Map<String, Object> copy = (Map<String, Object>) problem.extensions().get("map");
    assertThat(copy).containsOnlyKeys("inner");
    assertThat(copy.get("inner")).isEqualTo(List.of("a"));
    assertThatThrownBy(() -> copy.put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> problem.extensions().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void errorAppendsAndErrorsReplaces() {
    Problem appended = Problem.builder(422)
        .error("must be positive", "#/amount")
        .error("must not be blank", null)
        .build();
    assertThat(appended.errors()).containsExactly(
        new Violation("must be positive", "#/amount"), new Violation("must not be blank", null));

    Problem replaced = appended.toBuilder().errors(List.of(new Violation("too long", "/name"))).build();
    assertThat(replaced.errors()).containsExactly(new Violation("too long", "/name"));
    assertThatThrownBy(() -> replaced.errors().add(new Violation("x", null)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void errorsRejectsNullElements() {
    List<Violation> withNull = new ArrayList<>();
    withNull.add(null);
    assertThatThrownBy(() -> Problem.builder(400).errors(withNull))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void toBuilderRoundTripsToAnEqualProblem() {
    Problem problem = Problem.builder(409)
        .type("https://example.com/conflict")
        .title("Conflict")
        .detail("already shipped")
        .instance("/orders/1")
        .extension("orderId", "1")
        .error("x", "/y")
        .build();

    assertThat(problem.toBuilder().build()).isEqualTo(problem).hasSameHashCodeAs(problem);
    assertThat(problem.toBuilder().detail("other").build()).isNotEqualTo(problem);
    assertThat(problem.toString()).contains("409", "already shipped", "orderId");
  }

  @Test
  void builderCanBeReusedWithoutAffectingBuiltProblems() {
    Problem.Builder builder = Problem.builder(400).extension("a", 1);
    Problem first = builder.build();
    builder.extension("b", 2).error("e", null);

    assertThat(first.extensions()).containsOnlyKeys("a");
    assertThat(first.errors()).isEmpty();
  }

  @Test
  void problemExceptionCarriesItsProblemAndUsesTitleAndDetailAsMessage() {
    Problem problem = Problem.builder(409).detail("Order 42 is already shipped").build();
    ProblemException exception = new ProblemException(problem);

    assertThat(exception.problem()).isSameAs(problem);
    assertThat(exception).hasMessage("Conflict: Order 42 is already shipped");
    assertThat(new ProblemException(Problem.of(404))).hasMessage("Not Found");
    IllegalStateException cause = new IllegalStateException("db");
    assertThat(new ProblemException(Problem.of(503), cause)).hasCause(cause);
  }

  @Test
  void violationRequiresADetail() {
    assertThatThrownBy(() -> new Violation(null, "/a")).isInstanceOf(NullPointerException.class);
  }
}
