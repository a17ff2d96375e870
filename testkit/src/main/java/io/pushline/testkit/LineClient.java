package io.pushline.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A plain TCP client for the ingest's line protocol: the test writes raw bytes and reads {@code \n}-terminated
 * replies ({@code ok}, {@code fail}).
 *
 * <p>Writes are not buffered and not framed, so a test decides exactly how bytes reach the wire: a line split over
 * several writes, or many lines pipelined in one write. Not thread-safe: one test thread drives one client.
 */
public final class LineClient implements AutoCloseable {

    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    private static final Duration PUSH_TIMEOUT = Duration.ofSeconds(5);

    private final String peer;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Bytes of a line not yet complete; kept across a timed-out read so no byte is lost. */
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    /** Our own read buffer: a socket read per byte would make pipelined tests slow. */
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;

    private LineClient(String peer, Socket socket) throws IOException {
        this.peer = peer;
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects with a 2 s timeout; Nagle is off so each write leaves at once. */
    public static LineClient connect(String host, int port) {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            return new LineClient(host + ":" + port, socket);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UncheckedIOException("could not connect to " + host + ":" + port, e);
        }
    }

    /** Writes the bytes as they are, in one write call. */
    public void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("write to " + peer + " failed", e);
        }
    }

    /** Writes the string as UTF-8; no newline is added. */
    public void write(String s) {
        write(s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads up to the next {@code \n} and returns the line without it (a {@code \r} before it is kept, so the test
     * sees exactly what the server sent).
     *
     * @throws AssertionError if no full line arrives within {@code timeout}, or the server closed the connection
     *     first; the message says which, and shows any partial line
     */
    public String readLine(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int b;
            try {
                b = readByte(deadline);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no line from " + peer + " within " + timeout + partialNote());
            } catch (SocketException e) {
                throw new AssertionError("connection to " + peer + " broke before a full line (" + e.getMessage()
                        + ")" + partialNote(), e);
            } catch (IOException e) {
                throw new UncheckedIOException("read from " + peer + " failed", e);
            }
            if (b < 0) {
                throw new AssertionError("EOF: " + peer + " closed the connection before a full line"
                        + partialNote());
            }
            if (b == '\n') {
                String line = partial.toString(StandardCharsets.UTF_8);
                partial.reset();
                return line;
            }
            partial.write(b);
        }
    }

    /** Writes {@code line + "\n"} and returns the reply line (5 s timeout). */
    public String push(String line) {
        write(line + "\n");
        return readLine(PUSH_TIMEOUT);
    }

    /**
     * Waits for the server to close the connection, discarding whatever it sends before that.
     *
     * @return true if the connection was closed (EOF or reset) within {@code timeout}, false otherwise
     */
    public boolean awaitEof(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (readByte(deadline) >= 0) {
                // discard: only the close matters here
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            // A reset (RST) is a close too, just an abrupt one.
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("read from " + peer + " failed", e);
        }
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    @Override
    public String toString() {
        return "LineClient[" + peer + "]";
    }

    /** One byte, or -1 at EOF; throws SocketTimeoutException once the deadline has passed. */
    private int readByte(long deadline) throws IOException {
        if (position < limit) {
            return buffer[position++] & 0xff;
        }
        long leftMillis = (deadline - System.nanoTime() + 999_999) / 1_000_000;
        if (leftMillis <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        // SO_TIMEOUT 0 would mean "wait forever"; leftMillis is at least 1 here.
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis));
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            return -1;
        }
        position = 1;
        limit = n;
        return buffer[0] & 0xff;
    }

    private String partialNote() {
        return partial.size() == 0 ? "" : " (partial line so far: \"" + partial.toString(StandardCharsets.UTF_8)
                + "\")";
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing useful to do with a failure
        }
    }
}
