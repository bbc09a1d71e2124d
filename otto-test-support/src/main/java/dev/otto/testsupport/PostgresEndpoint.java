package dev.otto.testsupport;

/**
 * How to reach a PostgreSQL database for tests.
 *
 * <p>Immutable and thread-safe. {@link #toString()} does not show a non-empty password.
 *
 * @param jdbcUrl  a JDBC URL starting with {@code jdbc:postgresql://}, for example
 *                 {@code jdbc:postgresql://127.0.0.1:5432/test}
 * @param username the user to log in as, for example {@code postgres}
 * @param password the password, empty when the server trusts the user
 */
public record PostgresEndpoint(String jdbcUrl, String username, String password) {

    /**
     * Validates the components.
     *
     * @param jdbcUrl  the JDBC URL
     * @param username the user
     * @param password the password, possibly empty
     * @throws IllegalArgumentException if {@code jdbcUrl} is not a {@code jdbc:postgresql://} URL or
     *                                  {@code username} is blank
     */
    public PostgresEndpoint {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalArgumentException(
                    "jdbcUrl must start with jdbc:postgresql://, for example"
                            + " jdbc:postgresql://127.0.0.1:5432/test: '" + jdbcUrl + "'");
        }
        if (username.isBlank()) {
            throw new IllegalArgumentException("username must not be blank: '" + username + "'");
        }
    }

    /**
     * Describes the endpoint without revealing the password.
     *
     * @return the URL, the user and whether a password is set
     */
    @Override
    public String toString() {
        return "PostgresEndpoint[jdbcUrl=" + jdbcUrl + ", username=" + username
                + ", password=" + (password.isEmpty() ? "" : "****") + "]";
    }
}
