package dev.otto.demo.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * A TCP proxy on a free loopback port that forwards byte streams to one target, and that a test can
 * {@linkplain #cut(Fault) cut} and {@linkplain #restore() restore} to simulate a network fault between the
 * application and its database.
 *
 * <p>One acceptor thread, and two pump threads per proxied connection (one per direction); all daemon
 * threads, all ended by {@link #close()}. Thread-safe: {@code cut}, {@code restore} and {@code close} may
 * be called from any thread.
 */
final class TcpProxy implements AutoCloseable {

  /** How the proxy fails while cut. */
  enum Fault {
    /**
     * Like a crashed server: live connections are closed, new ones are accepted and reset at once
     * (the client sees "connection reset" or end of stream straight away).
     */
    REFUSE,
    /**
     * Like a partition: live connections stay open but nothing is forwarded any more (bytes in either
     * direction are swallowed), and new connections are accepted and never answered. Only the client's
     * own timeouts get it out.
     */
    SILENCE
  }

  private static final int CONNECT_TIMEOUT_MILLIS = 2_000;

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  /** Connections accepted while silent: held open, never read, closed on restore. */
  private final Set<Socket> held = ConcurrentHashMap.newKeySet();
  private final Object lock = new Object();
  private @Nullable Fault fault;
  private volatile boolean closed;

  private TcpProxy(InetSocketAddress target, ServerSocket server) {
    this.target = target;
    this.server = server;
  }

  /** Starts a proxy on a free loopback port that forwards to {@code host:port}. */
  static TcpProxy to(String host, int port) {
    try {
      ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      TcpProxy proxy = new TcpProxy(new InetSocketAddress(host, port), server);
      Thread acceptor = new Thread(proxy::accept, "tcp-proxy-accept-" + server.getLocalPort());
      acceptor.setDaemon(true);
      acceptor.start();
      return proxy;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the proxy's server socket", e);
    }
  }

  /** The loopback port clients connect to. */
  int port() {
    return server.getLocalPort();
  }

  /** Starts failing as {@code how} says, until {@link #restore()}. */
  void cut(Fault how) {
    synchronized (lock) {
      fault = how;
      for (Link link : links) {
        link.fail(how);
      }
    }
  }

  /**
   * Forwards again. Connections that were silenced are closed (their protocol state is lost: bytes were
   * swallowed), as are connections held unanswered; new connections are forwarded normally.
   */
  void restore() {
    synchronized (lock) {
      fault = null;
      for (Link link : links) {
        if (link.silenced) {
          link.close();
        }
      }
      for (Socket socket : held) {
        closeQuietly(socket);
      }
      held.clear();
    }
  }

  /** How many connections are being forwarded right now (silenced ones included). */
  int liveConnections() {
    return links.size();
  }

  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    synchronized (lock) {
      for (Link link : links) {
        link.close();
      }
      for (Socket socket : held) {
        closeQuietly(socket);
      }
      held.clear();
    }
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue;
      }
      Fault now;
      synchronized (lock) {
        now = fault;
        if (now == Fault.SILENCE) {
          held.add(client);
        }
      }
      if (now == Fault.REFUSE) {
        reset(client);
      } else if (now == null) {
        forward(client);
      }
    }
  }

  private void forward(Socket client) {
    Socket upstream = new Socket();
    try {
      upstream.connect(target, CONNECT_TIMEOUT_MILLIS);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
    } catch (IOException e) {
      closeQuietly(upstream);
      reset(client);
      return;
    }
    Link link = new Link(client, upstream);
    synchronized (lock) {
      links.add(link);
      // A cut may have come while the upstream connection was being opened.
      if (fault != null) {
        link.fail(fault);
      }
    }
    link.start();
  }

  private static void reset(Socket socket) {
    try {
      socket.setSoLinger(true, 0);
    } catch (SocketException ignored) {
      // Closing is what matters; an orderly close instead of a reset still refuses the client.
    }
    closeQuietly(socket);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // Tearing down: the other side may already be gone.
    }
  }

  /** One proxied connection: the client's socket, the upstream socket and a pump for each direction. */
  private final class Link {
    private final Socket client;
    private final Socket upstream;
    private volatile boolean silenced;

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void start() {
      pump(client, upstream, "up");
      pump(upstream, client, "down");
    }

    void fail(Fault how) {
      if (how == Fault.REFUSE) {
        close();
      } else {
        silenced = true;
      }
    }

    void close() {
      links.remove(this);
      reset(client);
      reset(upstream);
    }

    private void pump(Socket from, Socket to, String direction) {
      Thread thread = new Thread(() -> {
        byte[] buffer = new byte[16 * 1024];
        try {
          InputStream in = from.getInputStream();
          OutputStream out = to.getOutputStream();
          int read;
          while ((read = in.read(buffer)) >= 0) {
            if (!silenced) {
              out.write(buffer, 0, read);
              out.flush();
            }
          }
        } catch (IOException ended) {
          // One side closed or was reset: end the whole link below.
        } finally {
          close();
        }
      }, "tcp-proxy-" + direction + "-" + from.getPort());
      thread.setDaemon(true);
      thread.start();
    }
  }
}
