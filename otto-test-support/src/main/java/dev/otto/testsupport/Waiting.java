package dev.otto.testsupport;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waiting in tests without sleeping: parks until real time has passed or a condition holds, always bounded
 * by a deadline, and measures how long an action takes.
 *
 * <pre>{@code
 * server.restart();
 * Duration took = Waiting.awaitTrue(Duration.ofSeconds(5), "Redis answers", () -> answers(client));
 *
 * Duration check = Waiting.timed(() -> aggregator.readiness());
 * }</pre>
 *
 * <p>Stateless and thread-safe. Every method blocks only the calling thread and measures real time with
 * {@link System#nanoTime()}, for tests of code that runs on real time (a server restarting, a background
 * thread, a TTL in Redis); code that takes an injected clock is tested with a fake one instead.
 */
public final class Waiting {

    private static final long POLL_NANOS = Duration.ofMillis(10).toNanos();

    private Waiting() {
    }

    /**
     * Returns once at least {@code duration} of real time has passed.
     *
     * @param duration how long to wait; zero or negative returns at once
     */
    public static void awaitElapsed(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        for (long left = duration.toNanos(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
        }
    }

    /**
     * Polls {@code condition} every 10 ms, on the calling thread, until it holds.
     *
     * @param deadline    how long the condition may take to hold
     * @param description what is awaited, for the failure message
     * @param condition   the condition, polled at once and then every 10 ms
     * @return how long it took for the condition to hold
     * @throws AssertionError if {@code deadline} passes before the condition holds, with a message naming the
     *                        deadline and {@code description}
     */
    public static Duration awaitTrue(Duration deadline, String description, BooleanSupplier condition) {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("not within " + deadline + ": " + description);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /**
     * Runs {@code action} on the calling thread and returns how long it took, in real time.
     *
     * @param action what to measure; whatever it throws propagates unchanged
     * @return how long {@code action} ran
     */
    public static Duration timed(Runnable action) {
        long start = System.nanoTime();
        action.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
