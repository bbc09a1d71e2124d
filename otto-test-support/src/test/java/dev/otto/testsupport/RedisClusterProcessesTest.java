package dev.otto.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Forms a real private cluster of redis-server processes; the shared Redis on 6379 is never involved. */
class RedisClusterProcessesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static String info(RedisServerProcess node) throws IOException {
        return RedisWire.command(node.host(), node.port(), TIMEOUT, "CLUSTER", "INFO");
    }

    @Test
    void formsAClusterWhoseNodesSplitTheSlotsAndRejoinAfterARestart() throws Exception {
        List<RedisServerProcess> nodes;
        try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3)) {
            nodes = cluster.nodes();
            assertThat(nodes).hasSize(3).allMatch(RedisServerProcess::isAlive)
                    .noneMatch(node -> node.port() == 6379);
            assertThat(cluster.uri()).isEqualTo("redis://127.0.0.1:" + nodes.get(0).port() + ",127.0.0.1:"
                    + nodes.get(1).port() + ",127.0.0.1:" + nodes.get(2).port());
            for (RedisServerProcess node : nodes) {
                assertThat(info(node)).contains("cluster_state:ok", "cluster_known_nodes:3",
                        "cluster_slots_assigned:16384");
            }
            assertThat(cluster.nodeFor(0)).isSameAs(nodes.get(0));
            assertThat(cluster.nodeFor(5460)).isSameAs(nodes.get(0));
            assertThat(cluster.nodeFor(5461)).isSameAs(nodes.get(1));
            assertThat(cluster.nodeFor(16383)).isSameAs(nodes.get(2));
            // The slot a key maps to is served by the node nodeFor names: CLUSTER KEYSLOT of "a" is 15495.
            assertThat(RedisWire.command(nodes.get(2).host(), nodes.get(2).port(), TIMEOUT, "SET", "a", "1"))
                    .isEqualTo("OK");
            assertThatThrownBy(() -> RedisWire.command(nodes.get(0).host(), nodes.get(0).port(), TIMEOUT,
                    "SET", "a", "1")).hasMessageContaining("MOVED 15495");

            RedisServerProcess restarted = nodes.get(1);
            restarted.kill();
            restarted.restart();
            cluster.awaitServing();
            assertThat(info(restarted)).as("rejoined with its slots").contains("cluster_state:ok",
                    "cluster_known_nodes:3", "cluster_slots_assigned:16384");
        }
        assertThat(nodes).noneMatch(RedisServerProcess::isAlive);
    }

    @Test
    void promotesTheReplicaOfAKilledPrimary() throws Exception {
        try (RedisClusterProcesses cluster = RedisClusterProcesses.start(3, 1)) {
            assertThat(cluster.nodes()).hasSize(6);
            assertThat(cluster.primaries()).hasSize(3).isEqualTo(cluster.nodes().subList(0, 3));
            RedisServerProcess replica = cluster.nodes().get(3);
            assertThat(RedisWire.command(replica.host(), replica.port(), TIMEOUT, "INFO", "replication"))
                    .contains("role:slave", "master_port:" + cluster.primaries().get(0).port(),
                            "master_link_status:up");

            cluster.primaries().get(0).kill();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!RedisWire.command(replica.host(), replica.port(), TIMEOUT, "INFO", "replication")
                    .contains("role:master") && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            assertThat(RedisWire.command(replica.host(), replica.port(), TIMEOUT, "INFO", "replication"))
                    .as("the replica took over").contains("role:master");
            assertThat(RedisWire.command(replica.host(), replica.port(), TIMEOUT, "SET", "b", "1"))
                    .as("slot 3300 of \"b\" served by the new primary").isEqualTo("OK");
        }
    }

    @Test
    void rejectsAClusterSizeOutOfRange() {
        assertThatThrownBy(() -> RedisClusterProcesses.start(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 16");
        assertThatThrownBy(() -> RedisClusterProcesses.start(3, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 to 2");
    }
}
