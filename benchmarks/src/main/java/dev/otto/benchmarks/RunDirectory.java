package dev.otto.benchmarks;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Properties;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Everything one benchmark run left in its directory, as the run scripts write it:
 * <ul>
 *   <li>{@code machine.properties}: the machine and the command ({@code nproc}, {@code kernel}, {@code jdk},
 *       {@code redis.version}, {@code load.before}, {@code load.after}, {@code command}, …);
 *   <li>{@code jmh-*.json}: JMH results ({@code -rf json});
 *   <li>{@code *.csv}: {@code redis-benchmark --csv} output;
 *   <li>other {@code *.json}: figures written by the run's own tools.
 * </ul>
 */
public final class RunDirectory {

  private final Path directory;
  private final Properties machine;
  private final JmhResults jmh;

  private RunDirectory(Path directory, Properties machine, JmhResults jmh) {
    this.directory = directory;
    this.machine = machine;
    this.jmh = jmh;
  }

  /**
   * Writes figures of one of the run's own tools as an indented JSON file, creating its directory, for
   * {@link #json(String)} to read back.
   *
   * @param file where to write
   * @param figures records, maps and lists of them
   * @throws IOException when the file cannot be written
   */
  public static void writeFigures(Path file, Object figures) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValue(file.toFile(), figures);
  }

  /**
   * Reads a run directory.
   *
   * @param directory the directory the run script wrote
   * @return the run
   * @throws IOException when {@code machine.properties} or a JMH file cannot be read
   */
  public static RunDirectory read(Path directory) throws IOException {
    Properties machine = new Properties();
    Path file = directory.resolve("machine.properties");
    if (Files.exists(file)) {
      try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        machine.load(reader);
      }
    }
    return new RunDirectory(directory, machine, JmhResults.read(directory));
  }

  /**
   * Returns a fact about the machine or the run.
   *
   * @param key such as {@code nproc} or {@code load.before}
   * @return the value, or {@code ?} when the run did not record it
   */
  public String machine(String key) {
    return machine.getProperty(key, "?");
  }

  /**
   * Returns the JMH results of the run.
   *
   * @return the results, possibly empty
   */
  public JmhResults jmh() {
    return jmh;
  }

  /**
   * Reads a JSON file written by one of the run's tools.
   *
   * @param name the file name inside the run directory
   * @return the document, or empty when the file does not exist
   * @throws IOException when it exists but cannot be read
   */
  public Optional<JsonNode> json(String name) throws IOException {
    Path file = directory.resolve(name);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    return Optional.of(JsonMapper.builder().build().readTree(file.toFile()));
  }

  /**
   * Reads the requests per second from a {@code redis-benchmark --csv} file: its header names the columns,
   * its first data row holds the figure under {@code rps}.
   *
   * @param name the file name inside the run directory
   * @return requests per second, or empty when the file does not exist or holds no figure
   * @throws IOException when the file exists but cannot be read
   */
  public OptionalDouble redisBenchmarkRps(String name) throws IOException {
    Path file = directory.resolve(name);
    if (!Files.exists(file)) {
      return OptionalDouble.empty();
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .filter(line -> line.startsWith("\""))
        .toList();
    if (lines.size() < 2) {
      return OptionalDouble.empty();
    }
    List<String> header = csvFields(lines.get(0));
    List<String> row = csvFields(lines.get(1));
    int column = header.indexOf("rps");
    if (column < 0 || column >= row.size()) {
      return OptionalDouble.empty();
    }
    try {
      return OptionalDouble.of(Double.parseDouble(row.get(column)));
    } catch (NumberFormatException e) {
      return OptionalDouble.empty();
    }
  }

  /** The fields of one line of redis-benchmark's CSV, where every field is quoted. */
  private static List<String> csvFields(String line) {
    String trimmed = line.trim();
    if (trimmed.startsWith("\"")) {
      trimmed = trimmed.substring(1);
    }
    if (trimmed.endsWith("\"")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return List.of(trimmed.split("\",\"", -1));
  }
}
