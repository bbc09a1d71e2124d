package dev.otto.demo;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** HTTP/1.1 as bytes, for requests no client library would send (Tomcat rejects them before any filter). */
final class RawHttp {

  private RawHttp() {}

  /** Sends {@code head} as it is, byte for byte, and reads the answer until the server closes. */
  static String exchange(int port, String head) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  /** A request with a control character in a header value: Tomcat answers 400 itself. */
  static String malformedHeader(int port) throws IOException {
    return exchange(port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\u0001b\r\nConnection: close\r\n\r\n");
  }
}
