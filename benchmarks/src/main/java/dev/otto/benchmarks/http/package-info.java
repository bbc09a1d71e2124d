/**
 * HTTP load benchmarks of the demo under {@code wrk}: {@code benchmarks/run-http.sh} runs them and {@link
 * dev.otto.benchmarks.http.HttpReport} (plain JDK, run in source-file mode) turns a run into a section of
 * {@code RESULTS.md}.
 */
@NullMarked
package dev.otto.benchmarks.http;

import org.jspecify.annotations.NullMarked;
