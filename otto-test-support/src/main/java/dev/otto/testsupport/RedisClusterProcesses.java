package dev.otto.testsupport;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A private Redis Cluster of {@code redis-server} processes for tests, each on free ports of {@code 127.0.0.1}:
 * primaries that split the 16384 slots evenly in order (node 0 holds the lowest slots), optionally each with
 * replicas, which take over when their primary fails.
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
 * node table survives in its directory) and rejoins by itself; a killed primary with a replica is replaced
 * by it within a few seconds (with replicas, a peer counts as failed after 2 s without answers; without,
 * after 5 s, so that a stall of this machine is not taken for a failure) and rejoins as its replica. Not
 * thread-safe.
 */
public final class RedisClusterProcesses implements AutoCloseable {

    private static final int SLOTS = 16384;
    private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration NODE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration NODE_TIMEOUT_WITH_REPLICAS = Duration.ofSeconds(2);

    private final List<RedisServerProcess> nodes;
    private final int primaries;

    private RedisClusterProcesses(List<RedisServerProcess> nodes, int primaries) {
        this.nodes = List.copyOf(nodes);
        this.primaries = primaries;
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
        return start(primaries, 0);
    }

    /**
     * Starts a cluster as {@link #start(int)} does, with replicas of each primary, and also waits until every
     * replica has synchronised with its primary.
     *
     * @param primaries how many primaries, 1 to 16
     * @param replicasPerPrimary how many replicas each primary has, 0 to 2
     * @return the formed cluster; close it when done
     * @throws IllegalArgumentException if a count is out of range
     * @throws IllegalStateException as {@link #start(int)}
     */
    public static RedisClusterProcesses start(int primaries, int replicasPerPrimary) {
        if (primaries < 1 || primaries > 16) {
            throw new IllegalArgumentException("primaries must be 1 to 16: " + primaries);
        }
        if (replicasPerPrimary < 0 || replicasPerPrimary > 2) {
            throw new IllegalArgumentException("replicasPerPrimary must be 0 to 2: " + replicasPerPrimary);
        }
        List<RedisServerProcess> started = new ArrayList<>();
        try {
            Duration nodeTimeout = replicasPerPrimary > 0 ? NODE_TIMEOUT_WITH_REPLICAS : NODE_TIMEOUT;
            for (int i = 0; i < primaries * (1 + replicasPerPrimary); i++) {
                started.add(RedisServerProcess.startClusterNode(nodeTimeout));
            }
            RedisClusterProcesses cluster = new RedisClusterProcesses(started, primaries);
            cluster.form();
            return cluster;
        } catch (RuntimeException e) {
            started.forEach(RedisServerProcess::close);
            throw e;
        }
    }

    /**
     * Returns the nodes as formed: the primaries in slot order, then their replicas.
     *
     * @return node {@code i < n} of {@code n} primaries holds slots {@code i * 16384 / n} to
     *         {@code (i + 1) * 16384 / n - 1}; node {@code n + i * r + j} is replica {@code j} of primary
     *         {@code i}
     */
    public List<RedisServerProcess> nodes() {
        return nodes;
    }

    /**
     * Returns the primaries as formed, in slot order (a failover since does not change it).
     *
     * @return the first {@code n} {@link #nodes()}
     */
    public List<RedisServerProcess> primaries() {
        return nodes.subList(0, primaries);
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
     * Returns the primary that holds a slot as formed.
     *
     * @param slot 0 to 16383
     * @return the node
     */
    public RedisServerProcess nodeFor(int slot) {
        if (slot < 0 || slot >= SLOTS) {
            throw new IllegalArgumentException("slot must be 0 to 16383: " + slot);
        }
        int count = primaries;
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

    /**
     * Waits until every running node knows every other and sees every slot served (at most 30 seconds), as
     * after a node was killed and restarted.
     *
     * @throws IllegalStateException on timeout; the message says what the nodes reported
     */
    public void awaitServing() {
        await(System.nanoTime() + FORM_TIMEOUT.toNanos(), "every slot is served",
                node -> !node.isAlive() || serving(node));
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
        long deadline = System.nanoTime() + FORM_TIMEOUT.toNanos();
        RedisServerProcess first = nodes.get(0);
        for (int i = 0; i < nodes.size(); i++) {
            RedisServerProcess node = nodes.get(i);
            // Distinct epochs, as redis-cli --cluster create sets them, so no collision needs resolving.
            command(node, "CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(i + 1));
            if (i < primaries) {
                command(node, "CLUSTER", "ADDSLOTSRANGE", Integer.toString(firstSlot(i, primaries)),
                        Integer.toString(firstSlot(i + 1, primaries) - 1));
            }
            if (i > 0) {
                command(first, "CLUSTER", "MEET", node.host(), Integer.toString(node.port()),
                        Integer.toString(node.clusterPort()));
            }
        }
        String everyNode = "cluster_known_nodes:" + nodes.size();
        await(deadline, "every node knows every other", node -> clusterInfo(node).contains(everyNode));
        int replicasPerPrimary = nodes.size() / primaries - 1;
        for (int i = primaries; i < nodes.size(); i++) {
            RedisServerProcess primary = nodes.get((i - primaries) / replicasPerPrimary);
            command(nodes.get(i), "CLUSTER", "REPLICATE", command(primary, "CLUSTER", "MYID"));
        }
        await(deadline, "every slot is served", this::serving);
        await(deadline, "every replica is in sync", node -> nodes.indexOf(node) < primaries
                || command(node, "INFO", "replication").contains("master_link_status:up"));
    }

    private boolean serving(RedisServerProcess node) {
        String info = clusterInfo(node);
        return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + nodes.size())
                && info.contains("cluster_slots_ok:" + SLOTS);
    }

    private static String clusterInfo(RedisServerProcess node) {
        return command(node, "CLUSTER", "INFO");
    }

    /** Waits until the condition holds on every node; on timeout, reports what each node said. */
    private void await(long deadline, String condition, Predicate<RedisServerProcess> holds) {
        while (!nodes.stream().allMatch(holds)) {
            if (System.nanoTime() - deadline >= 0) {
                List<String> reports = new ArrayList<>();
                for (RedisServerProcess node : nodes) {
                    reports.add(node.port() + ": "
                            + (node.isAlive() ? clusterInfo(node).replace("\r\n", " ") : "not running"));
                }
                throw new IllegalStateException("the Redis Cluster did not form within " + FORM_TIMEOUT.toSeconds()
                        + " s: not yet " + condition + "; CLUSTER INFO of each node: " + reports);
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
