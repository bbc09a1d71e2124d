/**
 * JMH benchmarks that measure Otto against named baselines in the same run and print the ratios.
 */
@NullMarked
package dev.otto.benchmarks;

import org.jspecify.annotations.NullMarked;
