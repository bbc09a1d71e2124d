package dev.otto.benchmarks;

import java.util.Locale;

/**
 * One target of {@code shared/TARGETS.md} checked against a measured value.
 *
 * @param target what is promised, in words (such as "Otto ÷ Bucket4j, hot key, 16 threads")
 * @param measured the measured value, NaN when it could not be measured
 * @param bound how the value must relate to the threshold
 * @param threshold the promised bound
 * @param format how values print: {@code %} (a share), {@code x} (a ratio) or {@code n} (two decimals)
 */
public record TargetCheck(String target, double measured, Bound bound, double threshold, char format) {

  /** How a measured value must relate to its threshold. */
  public enum Bound {
    /** measured ≥ threshold */
    AT_LEAST("≥ "),
    /** measured ≤ threshold */
    AT_MOST("≤ "),
    /** measured = threshold, to the printed precision */
    EXACTLY("= ");

    private final String symbol;

    Bound(String symbol) {
      this.symbol = symbol;
    }
  }

  /**
   * Tells whether the target is met.
   *
   * @return {@code false} when not met or not measured
   */
  public boolean passes() {
    if (Double.isNaN(measured)) {
      return false;
    }
    return switch (bound) {
      case AT_LEAST -> measured >= threshold;
      case AT_MOST -> measured <= threshold;
      case EXACTLY -> measured == threshold;
    };
  }

  /**
   * Returns the measured value as printed.
   *
   * @return such as {@code 21.4×}, {@code 81 %} or {@code 1.00}; {@code n/a} when not measured
   */
  public String measuredText() {
    return text(measured);
  }

  /**
   * Returns the requirement as printed.
   *
   * @return such as {@code ≥ 15.0×} or {@code ≤ 2.00×}
   */
  public String requirementText() {
    return bound.symbol + text(threshold);
  }

  /**
   * Returns the verdict as printed.
   *
   * @return {@code PASS}, {@code FAIL} or {@code not measured}
   */
  public String verdict() {
    return Double.isNaN(measured) ? "not measured" : passes() ? "PASS" : "FAIL";
  }

  private String text(double value) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    return switch (format) {
      case '%' -> String.format(Locale.ROOT, "%.0f %%", value * 100);
      case 'x' -> String.format(Locale.ROOT, value >= 10 ? "%.1f×" : "%.2f×", value);
      default -> String.format(Locale.ROOT, "%.2f", value);
    };
  }
}
