package dev.otto.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keeps README.md's configuration reference true: every {@code otto.*} property in the metadata the
 * configuration processor generates is documented in its "Configuration reference" section, and that
 * section documents no property that does not exist.
 */
class ConfigurationReferenceTest {

  private static final Pattern README_PROPERTY = Pattern.compile("^\\| `(otto\\.[a-z0-9.-]+)` \\|", Pattern.MULTILINE);

  @Test
  void readmeDocumentsExactlyTheConfigurationProperties() throws IOException {
    assertThat(readmeProperties()).isEqualTo(metadataProperties());
  }

  private static Set<String> metadataProperties() throws IOException {
    Set<String> names = new TreeSet<>();
    try (InputStream in =
        ConfigurationReferenceTest.class.getResourceAsStream(
            "/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("generated configuration metadata").isNotNull();
      JsonNode metadata = JsonMapper.builder().build().readTree(in);
      for (JsonNode property : metadata.get("properties")) {
        String name = property.get("name").asString();
        if (name.startsWith("otto.")) {
          names.add(name);
        }
      }
    }
    return names;
  }

  private static Set<String> readmeProperties() throws IOException {
    Path readme = Path.of("..", "README.md");
    Set<String> names = new TreeSet<>();
    String text = Files.readString(readme);
    int start = text.indexOf("## Configuration reference");
    assertThat(start).as("README.md has a '## Configuration reference' section").isNotNegative();
    int end = text.indexOf("\n## ", start + 1);
    Matcher matcher =
        README_PROPERTY.matcher(text.substring(start, end < 0 ? text.length() : end));
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }
}
