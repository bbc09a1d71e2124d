package dev.otto.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A private {@code redis-server} process for fault tests: kill it, restart it, pause it, resume it.
 *
 * <p>Each instance runs its own server on a free port of {@code 127.0.0.1}, without persistence, in a
 * temporary directory that also holds its output ({@code redis-server.log}, quoted in failure messages).
 * Signals go only to this process, by its own process id, and only while it is alive, so no other Redis
 * (such as the shared one on port 6379) is ever touched.
 *
 * <pre>{@code
 * try (RedisServerProcess server = RedisServerProcess.start()) {
 *     RedisClient client = RedisClient.create(server.uri());
 *     server.pause();   // connections are accepted, commands never answered
 *     server.resume();
 *     server.kill();    // connection refused
 *     server.restart(); // the same port, empty data
 * }
 * }</pre>
 *
 * <p>Thread-safe: the methods are synchronized. A JVM shutdown hook kills the process if the test run is
 * aborted before {@link #close()}. Methods other than the accessors and {@code close()} throw
 * {@link IllegalStateException} after {@code close()}.
 */
public final class RedisServerProcess implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
    private static final int PORT_ATTEMPTS = 5;
    private static final String LOG_FILE = "redis-server.log";

    private final Path executable;
    private final Path directory;
    private final Path log;
    private final int port;
    /** Options beyond the fixed ones, the same at every restart (cluster mode and its bus port). */
    private final List<String> options;
    private final Thread shutdownHook;
    private volatile Process process;
    private boolean paused;
    private boolean closed;

    private RedisServerProcess(Path executable, Path directory, Path log, int port, List<String> options,
            Process process) {
        this.executable = executable;
        this.directory = directory;
        this.log = log;
        this.port = port;
        this.options = options;
        this.process = process;
        this.shutdownHook = new Thread(this::killOnShutdown, "otto-redis-server-" + port + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts a new server on a free port and waits until it answers PING (at most 10 seconds).
     *
     * <p>If another process takes the chosen port between choosing and binding it, a new port is chosen
     * (up to five times).
     *
     * @return the running server; close it when done
     * @throws IllegalStateException if {@code redis-server} is not installed, or the server does not come up;
     *                               the message quotes the server's output
     * @throws UncheckedIOException  if the temporary directory cannot be created
     */
    public static RedisServerProcess start() {
        return start(port -> List.of());
    }

    /**
     * Starts a server in cluster mode, as {@link #start()} does otherwise: its cluster bus listens on another
     * free port, its node table ({@code nodes.conf}) lives in its directory and survives {@link #restart()},
     * a peer is considered failed after {@code nodeTimeout} without answers, and it serves the slots it has
     * even while others are uncovered. It knows no other node and holds no slots until told ({@link RedisClusterProcesses}
     * does both).
     *
     * @param nodeTimeout Redis's {@code cluster-node-timeout}
     * @return the running node; close it when done
     * @throws IllegalStateException as {@link #start()}
     */
    static RedisServerProcess startClusterNode(Duration nodeTimeout) {
        return start(port -> List.of(
                "--cluster-enabled", "yes",
                "--cluster-port", Integer.toString(freePortOtherThan(port)),
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", Long.toString(nodeTimeout.toMillis()),
                "--cluster-require-full-coverage", "no"));
    }

    private static RedisServerProcess start(IntFunction<List<String>> optionsForPort) {
        Path executable = findExecutable();
        Path directory;
        try {
            directory = Files.createTempDirectory("otto-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for redis-server", e);
        }
        Path log = directory.resolve(LOG_FILE);
        String lastProblem = "";
        for (int attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
            int port = freePort();
            List<String> options = optionsForPort.apply(port);
            Launch launch = launch(executable, directory, log, port, options, deadline(START_TIMEOUT));
            if (launch.answering()) {
                return new RedisServerProcess(executable, directory, log, port, options, launch.process());
            }
            if (!launch.portTaken()) {
                throw new IllegalStateException(launch.problem());
            }
            lastProblem = launch.problem();
        }
        throw new IllegalStateException("redis-server found no free port in " + PORT_ATTEMPTS + " attempts; last: "
                + lastProblem);
    }

    /**
     * Returns the host the server listens on.
     *
     * @return always {@code 127.0.0.1}
     */
    public String host() {
        return HOST;
    }

    /**
     * Returns the port the server listens on; it stays the same across {@link #restart()}.
     *
     * @return the TCP port
     */
    public int port() {
        return port;
    }

    /**
     * Returns the port of the cluster bus of a {@linkplain #startClusterNode() cluster node}.
     *
     * @throws IllegalStateException if this server is not a cluster node
     */
    int clusterPort() {
        int option = options.indexOf("--cluster-port");
        if (option < 0) {
            throw new IllegalStateException("redis-server on port " + port + " is not a cluster node");
        }
        return Integer.parseInt(options.get(option + 1));
    }

    /**
     * Returns the server as a Redis URI.
     *
     * @return {@code redis://127.0.0.1:port}
     */
    public String uri() {
        return "redis://" + HOST + ":" + port;
    }

    /**
     * Returns the operating system's id of the current server process; a {@link #restart()} changes it.
     *
     * @return the process id
     */
    public long pid() {
        return process.pid();
    }

    /**
     * Tells whether the current server process is running (a paused process counts as running).
     *
     * @return {@code true} until it is killed, exits or is closed
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills the server with SIGKILL, as a crash would, and waits until it has exited. Does nothing if it is
     * not running. Works on a paused server too; afterwards it is no longer paused.
     *
     * @throws IllegalStateException if closed, or the process does not exit within 10 seconds
     */
    public synchronized void kill() {
        requireOpen();
        killProcess();
    }

    /**
     * Starts the server again on the same port, with empty data, and waits until it answers PING. A running
     * server is killed first. Retries for up to 10 seconds while the port is still in use.
     *
     * @throws IllegalStateException if closed, or the server does not come up within 10 seconds; the
     *                               message quotes the server's output
     */
    public synchronized void restart() {
        requireOpen();
        killProcess();
        long deadline = deadline(START_TIMEOUT);
        while (true) {
            Launch launch = launch(executable, directory, log, port, options, deadline);
            if (launch.answering()) {
                process = launch.process();
                return;
            }
            if (!launch.portTaken() || System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("restart on port " + port + " failed: " + launch.problem());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // let the old socket go
        }
    }

    /**
     * Stops the server with SIGSTOP: it still accepts TCP connections (the kernel completes them) but
     * answers nothing, like a hung Redis. Returns once the process is stopped. Does nothing if already
     * paused.
     *
     * @throws IllegalStateException if closed, not running, or the signal fails
     */
    public synchronized void pause() {
        requireOpen();
        if (paused) {
            return;
        }
        signal("STOP", 'T');
        paused = true;
    }

    /**
     * Continues a paused server with SIGCONT; it then answers again, including commands sent while it was
     * paused. Does nothing if not paused.
     *
     * @throws IllegalStateException if closed, or the signal fails
     */
    public synchronized void resume() {
        requireOpen();
        if (!paused) {
            return;
        }
        if (process.isAlive()) {
            signal("CONT", null);
        }
        paused = false;
    }

    /**
     * Kills the server (resuming it first if paused), deletes its temporary directory and removes the
     * shutdown hook. Idempotent.
     *
     * @throws IllegalStateException if the process does not exit within 10 seconds
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (paused && process.isAlive()) {
                signal("CONT", null);
            }
            killProcess();
        } finally {
            deleteDirectory();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // close() called from another shutdown hook: ours runs anyway and finds nothing to do.
            }
        }
    }

    /**
     * Describes the server for test output.
     *
     * @return the URI, the process id and the state
     */
    @Override
    public String toString() {
        String state = closed ? "closed" : !process.isAlive() ? "dead" : paused ? "paused" : "running";
        return "RedisServerProcess[" + uri() + ", pid=" + process.pid() + ", " + state + "]";
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("redis-server on port " + port + " is closed");
        }
    }

    private void killProcess() {
        Process current = process;
        if (current.isAlive()) {
            current.destroyForcibly(); // SIGKILL to this process's id (ProcessHandle); a stopped one dies too
        }
        try {
            if (!current.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("redis-server pid " + current.pid() + " on port " + port
                        + " did not exit within " + EXIT_TIMEOUT.toSeconds() + " s of SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for redis-server pid " + current.pid()
                    + " to exit", e);
        }
        paused = false;
    }

    /**
     * Sends a signal with {@code kill -SIG pid} (Java has no API for SIGSTOP/SIGCONT) and, on Linux, waits
     * until {@code /proc} shows the expected state, so the caller's next step sees its effect.
     */
    private void signal(String name, @Nullable Character expectedState) {
        Process current = process;
        if (!current.isAlive()) {
            // Never signal a pid we no longer own: once reaped, the id may belong to another process.
            throw new IllegalStateException("redis-server on port " + port + " is not running; cannot send SIG"
                    + name);
        }
        long pid = current.pid();
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                    .redirectErrorStream(true)
                    .start();
            String output;
            try (InputStream in = kill.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!kill.waitFor(SIGNAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid + " failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run kill -" + name + " " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + name + " to " + pid, e);
        }
        awaitState(pid, expectedState);
    }

    private static void awaitState(long pid, @Nullable Character expected) {
        Path stat = Paths.get("/proc", Long.toString(pid), "stat");
        if (!Files.isReadable(stat)) {
            return; // not Linux: signals are delivered promptly enough
        }
        long deadline = deadline(SIGNAL_TIMEOUT);
        while (true) {
            char state = processState(stat);
            boolean reached = expected == null ? state != 'T' : state == expected;
            if (reached || state == '?') {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("process " + pid + " is in state " + state + ", expected "
                        + (expected == null ? "not stopped" : expected) + " within " + SIGNAL_TIMEOUT.toSeconds()
                        + " s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    /** The state letter of {@code /proc/PID/stat} ("pid (comm) S ..."), or '?' when the process is gone. */
    private static char processState(Path stat) {
        try {
            String content = Files.readString(stat);
            int afterName = content.lastIndexOf(')');
            return content.charAt(afterName + 2);
        } catch (IOException gone) {
            return '?';
        }
    }

    private void killOnShutdown() {
        process.destroyForcibly();
        deleteDirectory();
    }

    private void deleteDirectory() {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.getLogger(RedisServerProcess.class.getName()).log(System.Logger.Level.WARNING,
                    "could not delete " + directory + " of redis-server on port " + port, e);
        }
    }

    /** The outcome of one launch attempt. */
    private record Launch(Process process, boolean answering, boolean portTaken, String problem) {
    }

    private static Launch launch(Path executable, Path directory, Path log, int port, List<String> options,
            long deadline) {
        long logStart = sizeOf(log);
        List<String> command = new ArrayList<>(List.of(executable.toString(),
                "--port", Integer.toString(port),
                "--bind", HOST,
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", directory.toString()));
        command.addAll(options);
        Process process;
        try {
            process = new ProcessBuilder(command)
                    .directory(directory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + executable + ": " + e.getMessage(), e);
        }
        return awaitAnswering(process, port, log, logStart, deadline);
    }

    private static Launch awaitAnswering(Process process, int port, Path log, long logStart, long deadline) {
        long backoffMillis = 5;
        @Nullable IOException lastRefusal = null;
        while (true) {
            if (!process.isAlive()) {
                String output = outputSince(log, logStart);
                boolean portTaken = output.contains("Address already in use");
                return new Launch(process, false, portTaken, "redis-server exited with code " + process.exitValue()
                        + " before answering on port " + port + ". Its output (" + log + "):\n" + output);
            }
            try {
                RedisWire.ping(HOST, port, PROBE_TIMEOUT);
                // Something answers on the port; make sure it is our process, not someone who took the port.
                if (RedisWire.processId(HOST, port, PROBE_TIMEOUT) == process.pid()) {
                    return new Launch(process, true, false, "");
                }
                destroyAndWait(process);
                return new Launch(process, false, true, "port " + port + " is served by another redis-server");
            } catch (IOException notYet) {
                lastRefusal = notYet;
            }
            if (System.nanoTime() - deadline >= 0) {
                destroyAndWait(process);
                return new Launch(process, false, false, "redis-server pid " + process.pid() + " did not answer PING"
                        + " on port " + port + " within " + START_TIMEOUT.toSeconds() + " s (last: " + lastRefusal
                        + "). Its output (" + log + "):\n" + outputSince(log, logStart));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoffMillis));
            backoffMillis = Math.min(backoffMillis * 2, 100);
        }
    }

    private static void destroyAndWait(Process process) {
        process.destroyForcibly();
        try {
            process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long sizeOf(Path log) {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static String outputSince(Path log, long start) {
        try {
            byte[] all = Files.readAllBytes(log);
            int from = (int) Math.max(start, all.length - 4096L); // the tail is where the reason is
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + HOST, e);
        }
    }

    private static int freePortOtherThan(int taken) {
        while (true) {
            int port = freePort();
            if (port != taken) {
                return port;
            }
        }
    }

    private static long deadline(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    private static Path findExecutable() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String directory : path.split(File.pathSeparator)) {
            if (directory.isEmpty()) {
                continue;
            }
            Path candidate = Paths.get(directory, "redis-server");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        Path fallback = Paths.get("/usr/bin/redis-server");
        if (Files.isExecutable(fallback)) {
            return fallback;
        }
        throw new IllegalStateException("redis-server was not found on PATH (" + path + ") nor at " + fallback
                + ". Install it: apt-get install -y redis-server (Debian/Ubuntu) or brew install redis (macOS);"
                + " `bash .ci/run` installs it for you.");
    }
}
