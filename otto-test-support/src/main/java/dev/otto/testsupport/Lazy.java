package dev.otto.testsupport;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Computes a value at most once, on first use, and remembers either the value or the failure.
 *
 * <p>Thread-safe: concurrent callers of the first {@link #get()} wait for the one computation (starting a
 * container may take a while, and every caller needs the same one). A remembered failure is rethrown to
 * every later caller, so a whole test run fails with the same clear message instead of retrying slow
 * probes in every test.
 */
final class Lazy<T> {

    private final Supplier<T> supplier;
    private @Nullable T value;
    private @Nullable RuntimeException failure;
    private boolean computed;

    Lazy(Supplier<T> supplier) {
        this.supplier = supplier;
    }

    /**
     * Returns the value, computing it on the first call.
     *
     * @throws IllegalStateException with the message of the first computation's failure, and that failure
     *                               as its cause, if the computation threw
     */
    synchronized T get() {
        if (!computed) {
            try {
                value = supplier.get();
            } catch (RuntimeException e) {
                failure = e;
            }
            computed = true;
        }
        if (failure != null) {
            throw new IllegalStateException(failure.getMessage(), failure);
        }
        @SuppressWarnings("NullAway") // computed without failure, so the supplier returned a value
        T result = value;
        return result;
    }
}
