package dev.otto.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs real private redis-server processes; the shared Redis on 6379 is never involved. */
class RedisServerProcessTest {

    private RedisServerProcess server;

    @BeforeEach
    void startServer() {
        server = RedisServerProcess.start();
    }

    @AfterEach
    void closeServer() {
        server.close();
    }

    @Test
    void startsAPrivateServerOnAFreePortThatAnswersPing() throws Exception {
        assertThat(server.host()).isEqualTo("127.0.0.1");
        assertThat(server.port()).isNotEqualTo(6379);
        assertThat(server.uri()).isEqualTo("redis://127.0.0.1:" + server.port());
        assertThat(server.isAlive()).isTrue();
        assertThat(RedisWire.processId(server.host(), server.port(), Duration.ofSeconds(2))).isEqualTo(server.pid());

        assertThat(RawRedis.ping(server.host(), server.port(), 2_000)).isEqualTo("+PONG");
    }

    @Test
    void twoServersRunSideBySideOnDifferentPorts() throws Exception {
        try (RedisServerProcess other = RedisServerProcess.start()) {
            assertThat(other.port()).isNotEqualTo(server.port());
            assertThat(other.pid()).isNotEqualTo(server.pid());
            assertThat(RawRedis.ping(other.host(), other.port(), 2_000)).isEqualTo("+PONG");
        }
        assertThat(RawRedis.ping(server.host(), server.port(), 2_000)).isEqualTo("+PONG");
    }

    @Test
    void killEndsTheProcessSoConnectionsAreRefused() {
        server.kill();

        assertThat(server.isAlive()).isFalse();
        assertThatThrownBy(() -> RawRedis.ping(server.host(), server.port(), 2_000))
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void restartComesBackOnTheSamePortAsANewProcess() throws Exception {
        int port = server.port();
        long firstPid = server.pid();
        server.kill();

        server.restart();

        assertThat(server.port()).isEqualTo(port);
        assertThat(server.pid()).isNotEqualTo(firstPid);
        assertThat(server.isAlive()).isTrue();
        assertThat(RawRedis.ping(server.host(), port, 2_000)).isEqualTo("+PONG");
    }

    @Test
    void restartOfARunningServerReplacesIt() throws Exception {
        long firstPid = server.pid();

        server.restart();

        assertThat(server.pid()).isNotEqualTo(firstPid);
        assertThat(ProcessHandle.of(firstPid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(RawRedis.ping(server.host(), server.port(), 2_000)).isEqualTo("+PONG");
    }

    @Test
    void pausedServerAcceptsConnectionsButNeverAnswersUntilResumed() throws Exception {
        server.pause();

        assertThat(server.isAlive()).isTrue();
        assertThatThrownBy(() -> RawRedis.ping(server.host(), server.port(), 300))
                .isInstanceOf(SocketTimeoutException.class)
                .hasMessageContaining("Read timed out");

        server.resume();

        assertThat(RawRedis.ping(server.host(), server.port(), 2_000)).isEqualTo("+PONG");
    }

    @Test
    void killWorksOnAPausedServer() {
        server.pause();

        server.kill();

        assertThat(server.isAlive()).isFalse();
    }

    @Test
    void closeKillsTheServerDeletesItsDirectoryAndIsIdempotent() throws Exception {
        // redis-server runs in its private directory (--dir); Linux shows it as the process's cwd.
        Path directory = Files.readSymbolicLink(Path.of("/proc", Long.toString(server.pid()), "cwd"));
        assertThat(directory).isDirectory();
        server.pause();

        server.close();
        server.close();

        assertThat(server.isAlive()).isFalse();
        assertThat(Files.exists(directory)).isFalse();
        assertThatThrownBy(server::restart)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }
}
