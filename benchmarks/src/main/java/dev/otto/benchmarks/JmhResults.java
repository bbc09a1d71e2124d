package dev.otto.benchmarks;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The results of JMH runs, read from the files JMH writes with {@code -rf json -rff FILE}.
 *
 * <p>A score is the median of all measurement iterations (the anchors are medians), with their
 * minimum and maximum as the spread; JMH's own mean and error bars are not used.
 */
public final class JmhResults {

  /** The secondary metric {@code -prof gc} adds: bytes allocated per operation. */
  private static final String ALLOCATION = "gc.alloc.rate.norm";

  private final List<Score> scores;

  private JmhResults(List<Score> scores) {
    this.scores = List.copyOf(scores);
  }

  /**
   * One benchmark method with one set of parameters and one thread count.
   *
   * @param benchmark the class's simple name and the method, such as {@code RedisLimiterBenchmark.otto}
   * @param threads the threads that ran it
   * @param params the {@code @Param} values
   * @param median the median of the measurement iterations
   * @param min the lowest iteration
   * @param max the highest iteration
   * @param iterations how many measurement iterations there were
   * @param unit JMH's unit, such as {@code ops/s}
   * @param bytesPerOperation the allocation per operation when {@code -prof gc} ran, otherwise NaN
   */
  public record Score(
      String benchmark, int threads, Map<String, String> params, double median, double min, double max,
      int iterations, String unit, double bytesPerOperation) {
  }

  /**
   * Reads every {@code jmh-*.json} file in a directory.
   *
   * @param directory the run directory
   * @return the results, empty when there are none
   * @throws IOException when a file cannot be read or is not JMH's JSON
   */
  public static JmhResults read(Path directory) throws IOException {
    ObjectMapper mapper = JsonMapper.builder().build();
    List<Score> scores = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "jmh-*.json")) {
      for (Path file : files) {
        JsonNode root = mapper.readTree(file.toFile());
        if (!root.isArray()) {
          throw new IOException(file + " is not a JMH JSON result (expected an array)");
        }
        for (JsonNode result : root) {
          scores.add(score(result));
        }
      }
    }
    return new JmhResults(scores);
  }

  private static Score score(JsonNode result) {
    String benchmark = result.path("benchmark").asString();
    String[] parts = benchmark.split("\\.");
    String shortName = parts.length >= 2 ? parts[parts.length - 2] + '.' + parts[parts.length - 1] : benchmark;
    Map<String, String> params = new TreeMap<>();
    result.path("params").properties().forEach(entry -> params.put(entry.getKey(), entry.getValue().asString()));
    JsonNode primary = result.path("primaryMetric");
    List<Double> iterations = new ArrayList<>();
    for (JsonNode fork : primary.path("rawData")) {
      for (JsonNode iteration : fork) {
        iterations.add(iteration.asDouble());
      }
    }
    double[] values = iterations.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double bytes = Double.NaN;
    for (var metric : result.path("secondaryMetrics").properties()) {
      // Older JMH versions prefix profiler metrics with a middle dot.
      if (metric.getKey().replace("\u00b7", "").equals(ALLOCATION)) {
        bytes = metric.getValue().path("score").asDouble();
      }
    }
    return new Score(shortName, result.path("threads").asInt(), params, median(values),
        values.length == 0 ? Double.NaN : values[0], values.length == 0 ? Double.NaN : values[values.length - 1],
        values.length, primary.path("scoreUnit").asString(), bytes);
  }

  private static double median(double[] sorted) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  /**
   * Finds a score.
   *
   * @param benchmark the class's simple name and the method, such as {@code RedisLimiterBenchmark.otto}
   * @param threads the thread count
   * @param params {@code @Param} values that must match, as name, value pairs
   * @return the score, or empty when that benchmark did not run
   */
  public Optional<Score> find(String benchmark, int threads, String... params) {
    if (params.length % 2 != 0) {
      throw new IllegalArgumentException("params come in name, value pairs: " + Arrays.toString(params));
    }
    return scores.stream()
        .filter(score -> score.benchmark().equals(benchmark) && score.threads() == threads)
        .filter(score -> {
          for (int i = 0; i < params.length; i += 2) {
            if (!params[i + 1].equals(score.params().get(params[i]))) {
              return false;
            }
          }
          return true;
        })
        .findFirst();
  }

  /**
   * Tells whether nothing was read.
   *
   * @return {@code true} when no JMH result file was found
   */
  public boolean isEmpty() {
    return scores.isEmpty();
  }
}
