package dev.otto.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Sends one command to a Redis server over a fresh socket and reads one reply, in RESP.
 *
 * <p>Just enough protocol for probing (PING, INFO) without a client library on the class path. Each call
 * opens and closes its own connection, so it is thread-safe.
 */
final class RedisWire {

    private RedisWire() {
    }

    /**
     * Sends {@code PING} and requires {@code +PONG}.
     *
     * @throws IOException if the server cannot be reached, does not answer within {@code timeout}, or
     *                     answers something else (for example {@code -NOAUTH})
     */
    static void ping(String host, int port, Duration timeout) throws IOException {
        String reply = command(host, port, timeout, "PING");
        if (!reply.equals("PONG")) {
            throw new IOException("expected PONG from " + host + ":" + port + " but got: " + reply);
        }
    }

    /**
     * Asks the server for the id of its process ({@code INFO server}, field {@code process_id}).
     *
     * @throws IOException if the server cannot be reached, does not answer in time or the reply has no
     *                     {@code process_id}
     */
    static long processId(String host, int port, Duration timeout) throws IOException {
        String info = command(host, port, timeout, "INFO", "server");
        for (String line : info.split("\r\n")) {
            if (line.startsWith("process_id:")) {
                return Long.parseLong(line.substring("process_id:".length()).trim());
            }
        }
        throw new IOException("INFO server from " + host + ":" + port + " has no process_id");
    }

    /**
     * Sends one command and returns its simple-string or bulk-string reply.
     *
     * @throws IOException on connection failure, on timeout (a {@link java.net.SocketTimeoutException})
     *                     and on an error reply, whose text becomes the message
     */
    static String command(String host, int port, Duration timeout, String... arguments) throws IOException {
        int millis = Math.toIntExact(Math.max(1, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), millis);
            socket.setSoTimeout(millis);
            OutputStream out = socket.getOutputStream();
            out.write(encode(arguments));
            out.flush();
            return readReply(new BufferedInputStream(socket.getInputStream()), host, port);
        }
    }

    private static byte[] encode(String... arguments) {
        StringBuilder request = new StringBuilder().append('*').append(arguments.length).append("\r\n");
        for (String argument : arguments) {
            request.append('$').append(argument.getBytes(StandardCharsets.UTF_8).length).append("\r\n")
                    .append(argument).append("\r\n");
        }
        return request.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String readReply(InputStream in, String host, int port) throws IOException {
        String line = readLine(in);
        if (line.isEmpty()) {
            throw new IOException("empty reply from " + host + ":" + port);
        }
        char type = line.charAt(0);
        String rest = line.substring(1);
        switch (type) {
            case '+':
                return rest;
            case '-':
                throw new IOException("Redis at " + host + ":" + port + " answered with an error: " + rest);
            case '$': {
                int length = Integer.parseInt(rest);
                if (length < 0) {
                    return "";
                }
                byte[] body = in.readNBytes(length + 2); // the body and its CRLF
                if (body.length < length + 2) {
                    throw new EOFException("connection to " + host + ":" + port + " closed mid-reply");
                }
                return new String(body, 0, length, StandardCharsets.UTF_8);
            }
            default:
                throw new IOException("unexpected reply from " + host + ":" + port + ": " + line);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int current = in.read();
            if (current < 0) {
                throw new EOFException("connection closed before a complete reply");
            }
            if (previous == '\r' && current == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(current);
            previous = current;
        }
    }
}
