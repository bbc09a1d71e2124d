package dev.otto.testsupport;

/**
 * Where a Redis server for tests listens.
 *
 * <p>Immutable and thread-safe. The server needs no password and the tests use its database 0.
 *
 * @param host the host name or IP address, for example {@code 127.0.0.1}
 * @param port the TCP port, 1 to 65535
 */
public record RedisEndpoint(String host, int port) {

    /**
     * Validates the components.
     *
     * @param host the host name or IP address
     * @param port the TCP port
     * @throws IllegalArgumentException if {@code host} is blank or {@code port} is outside 1 to 65535
     */
    public RedisEndpoint {
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank: '" + host + "'");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be between 1 and 65535: " + port);
        }
    }

    /**
     * Returns the endpoint as a Redis URI that Lettuce and other clients accept.
     *
     * @return {@code redis://host:port}, for example {@code redis://127.0.0.1:6379}
     */
    public String uri() {
        return "redis://" + host + ":" + port;
    }
}
