package io.pushline.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback for network-fault tests: it forwards every accepted connection to a target, and can
 * black-hole chosen connections, keeping them open but forwarding nothing, the way a dead network path or a
 * demoted server looks to a client that is not writing.
 *
 * <p>Plain blocking sockets, two daemon threads per connection: test traffic only.
 */
public final class TcpProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private volatile boolean blackholeAll;
    private final AtomicLong swallowedUp = new AtomicLong();

    private TcpProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "tcp-proxy-accept-" + port());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static TcpProxy to(String host, int port) {
        try {
            return new TcpProxy(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Connections accepted so far, in accept order (index 0 is the first). */
    public int connections() {
        return links.size();
    }

    /** Stops forwarding on the {@code index}-th accepted connection; it stays open. */
    public void blackhole(int index) {
        links.get(index).blackholed = true;
    }

    /** Stops forwarding on every connection, current and future. */
    public void blackholeAll() {
        blackholeAll = true;
        links.forEach(l -> l.blackholed = true);
    }

    /** Bytes clients sent that a black hole swallowed: proof that a request left the client and went nowhere. */
    public long swallowedUpstreamBytes() {
        return swallowedUp.get();
    }

    /** Forwards again on every connection, and accepts normally. */
    public void restore() {
        blackholeAll = false;
        links.forEach(l -> l.blackholed = false);
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                server.connect(target, 2_000);
                Link link = new Link(client, server);
                link.blackholed = blackholeAll;
                links.add(link);
                link.start();
            } catch (IOException e) {
                // listener closed, or the target refused: the client sees its connection close
            }
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        links.forEach(Link::close);
    }

    private final class Link {
        final Socket client;
        final Socket server;
        volatile boolean blackholed;

        Link(Socket client, Socket server) {
            this.client = client;
            this.server = server;
        }

        void start() {
            pump(client, server, "up", swallowedUp);
            pump(server, client, "down", new AtomicLong());
        }

        private void pump(Socket from, Socket to, String direction, AtomicLong swallowed) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[16_384];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        if (!blackholed) {
                            out.write(buf, 0, n);
                            out.flush();
                        } else {
                            swallowed.addAndGet(n); // a black hole swallows: the bytes are read and dropped
                        }
                    }
                } catch (IOException e) {
                    // either side closed
                } finally {
                    close();
                }
            }, "tcp-proxy-" + direction);
            t.setDaemon(true);
            t.start();
        }

        void close() {
            try {
                client.close();
            } catch (IOException ignored) {
                // closing
            }
            try {
                server.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
