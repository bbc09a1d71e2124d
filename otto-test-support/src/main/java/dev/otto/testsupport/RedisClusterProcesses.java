package dev.otto.testsupport;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * A private Redis Cluster of {@code redis-server} processes for tests: primaries only, each on free ports of
 * {@code 127.0.0.1}, the 16384 slots split evenly in order (node 0 holds the lowest slots).
 *
 * <pre>{@code
 * try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3)) {
 *     RedisClusterClient client = RedisClusterClient.create(cluster.uri());
 *     cluster.nodes().get(1).kill();    // its slots answer nothing; the others keep serving theirs
 *     cluster.nodes().get(1).restart(); // back with its slots (and empty data)
 * }
 * }</pre>
 *
 * <p>Each node is a {@link RedisServerProcess}, so the same rules hold: signals go only to the cluster's own
 * processes, never to a shared Redis. A node that is killed and restarted keeps its identity and slots (its
 * node table survives in its directory) and rejoins by itself. Not thread-safe.
 */
public final class RedisClusterProcesses implements AutoCloseable {

    private static final int SLOTS = 16384;
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);

    private final List<RedisServerProcess> nodes;

    private RedisClusterProcesses(List<RedisServerProcess> nodes) {
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Starts the nodes, gives each its share of slots, introduces them to each other and waits until every
     * node sees a complete cluster (at most 30 seconds).
     *
     * @param primaries how many nodes, 1 to 16
     * @return the formed cluster; close it when done
     * @throws IllegalArgumentException if primaries is out of range
     * @throws IllegalStateException if a node does not start or the cluster does not form in time; the
     *                               message says what the nodes reported
     */
    public static RedisClusterProcesses start(int primaries) {
        if (primaries < 1 || primaries > 16) {
            throw new IllegalArgumentException("primaries must be 1 to 16: " + primaries);
        }
        List<RedisServerProcess> started = new ArrayList<>();
        try {
            for (int i = 0; i < primaries; i++) {
                started.add(RedisServerProcess.startClusterNode());
            }
            RedisClusterProcesses cluster = new RedisClusterProcesses(started);
            cluster.form();
            return cluster;
        } catch (RuntimeException e) {
            started.forEach(RedisServerProcess::close);
            throw e;
        }
    }

    /**
     * Returns the nodes in slot order.
     *
     * @return node {@code i} holds slots {@code i * 16384 / n} to {@code (i + 1) * 16384 / n - 1}
     */
    public List<RedisServerProcess> nodes() {
        return nodes;
    }

    /**
     * Returns every node as one seed URI, as cluster clients take it.
     *
     * @return {@code redis://127.0.0.1:port1,127.0.0.1:port2,…}
     */
    public String uri() {
        return nodes.stream().map(node -> node.host() + ":" + node.port())
                .collect(Collectors.joining(",", "redis://", ""));
    }

    /**
     * Returns the node that holds a slot.
     *
     * @param slot 0 to 16383
     * @return the node
     */
    public RedisServerProcess nodeFor(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot must be 0 to 16383: " + slot);
        }
        int count = nodes.size();
        int node = count - 1;
        while (firstSlot(node, count) > slot) {
            node--;
        }
        return nodes.get(node);
    }

    /** The first slot of node {@code index} of {@code count}; its last is the next node's first minus one. */
    private static int firstSlot(int index, int count) {
        return index * SLOTS / count;
    }

    /** Stops every node and deletes its directory. Idempotent. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (RedisServerProcess node : nodes) {
            try {
                node.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "RedisClusterProcesses" + nodes;
    }

    private void form() {
        int count = nodes.size();
        RedisServerProcess first = nodes.get(0);
        for (int i = 0; i < count; i++) {
            RedisServerProcess node = nodes.get(i);
            // Distinct epochs, as redis-cli --cluster create sets them, so no collision needs resolving.
            command(node, "CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
            command(node, "CLUSTER", "ADDSLOTSRANGE",
                    Integer.toString(firstSlot(i, count)), Integer.toString(firstSlot(i + 1, count) - 1));
            if (i > 0) {
                command(first, "CLUSTER", "MEET", node.host(), Integer.toString(node.port()),
                        Integer.toString(node.clusterPort()));
            }
        }
        awaitFormed();
    }

    private void awaitFormed() {
        long deadline = System.nanoTime() + FORM_TIMEOUT.toNanos();
        String expectedNodes = "cluster_known_nodes:" + nodes.size();
        while (true) {
            List<String> reports = new ArrayList<>();
            boolean formed = true;
            for (RedisServerProcess node : nodes) {
                String info = command(node, "CLUSTER", "INFO");
                reports.add(node.port() + ": " + info.replace("\r\n", " "));
                formed &= info.contains("cluster_state:ok") && info.contains(expectedNodes)
                        && info.contains("cluster_slots_ok:" + SLOTS);
            }
            if (formed) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new IllegalStateException("the Redis Cluster did not form within " + FORM_TIMEOUT.toSeconds()
                        + " s; CLUSTER INFO of each node: " + reports);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static String command(RedisServerProcess node, String... arguments) {
        try {
            return RedisWire.command(node.host(), node.port(), COMMAND_TIMEOUT, arguments);
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", arguments) + " failed on " + node + ": "
                    + e.getMessage(), e);
        }
    }
}
