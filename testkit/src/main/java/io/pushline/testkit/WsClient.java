package io.pushline.testkit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real browser-like WebSocket client, built on the JDK's {@link java.net.http.WebSocket}.
 *
 * <p>Text messages are queued as they arrive (fragments joined), and the test takes them with a timeout. A refused
 * handshake is reported as {@link HandshakeRefused}, which carries the HTTP status the server answered with.
 */
public final class WsClient implements AutoCloseable {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(2);
    /** Close code reported by {@link #awaitClose(Duration)} when the connection dropped without a close frame. */
    private static final int DROPPED = -1;
    /**
     * RFC 6455 "closed abnormally": never sent on the wire, the JDK reports it when the TCP connection ended
     * without a close frame. It means the same as an error, so both are reported as {@link #DROPPED}.
     */
    private static final int CLOSED_ABNORMALLY = 1006;

    /**
     * One HttpClient for all clients: each HttpClient owns a selector thread, and tests may open many sockets.
     * Its threads are daemons, so it never keeps the test JVM alive.
     */
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Thrown by {@code connect} when the server answers the upgrade request with something other than 101. */
    public static final class HandshakeRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int statusCode;

        HandshakeRefused(URI uri, int statusCode, Throwable cause) {
            super("WebSocket handshake to " + uri + " refused with HTTP " + statusCode, cause);
            this.statusCode = statusCode;
        }

        /** The HTTP status of the refusal, e.g. 400, 401, 403 or 404. */
        public int statusCode() {
            return statusCode;
        }
    }

    /** A queued event: a text message, or the end marker put once the connection is over. */
    private record Event(String text) {
    }

    private static final Event END = new Event(null);

    private final URI uri;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket webSocket;

    private WsClient(URI uri, WebSocket.Builder builder) {
        this.uri = uri;
        try {
            this.webSocket = builder.buildAsync(uri, new Listener())
                    .get(CONNECT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            WebSocketHandshakeException refused = findHandshakeRefusal(cause);
            if (refused != null) {
                throw new HandshakeRefused(uri, refused.getResponse().statusCode(), refused);
            }
            throw new IllegalStateException("WebSocket connect to " + uri + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("WebSocket connect to " + uri + " did not complete within "
                    + CONNECT_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while connecting to " + uri, e);
        }
    }

    /**
     * Opens a WebSocket and waits up to 5 s for the handshake.
     *
     * @throws HandshakeRefused if the server answered the upgrade with an HTTP error status
     * @throws IllegalStateException for any other failure (refused TCP connect, timeout), with the cause kept
     */
    public static WsClient connect(URI uri) {
        return connect(uri, Map.of());
    }

    /**
     * Like {@link #connect(URI)}, with extra request headers (e.g. {@code Origin}, {@code Cookie}). Headers the JDK
     * manages itself (such as {@code Connection}, {@code Upgrade}, {@code Sec-WebSocket-*}) are rejected by the JDK
     * with an IllegalArgumentException.
     */
    public static WsClient connect(URI uri, Map<String, String> headers) {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(CONNECT_TIMEOUT);
        headers.forEach(builder::header);
        return new WsClient(uri, builder);
    }

    /** Sends one text message and waits until the JDK has written it. */
    public synchronized void send(String text) {
        try {
            webSocket.sendText(text, true).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("send to " + uri + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("send to " + uri + " did not complete within " + SEND_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending to " + uri, e);
        }
    }

    /**
     * Returns the next text message.
     *
     * @throws AssertionError if none arrives within {@code timeout}, or the connection ends before one does
     */
    public String awaitMessage(Duration timeout) {
        Event event = take(timeout);
        if (event == null) {
            throw new AssertionError("no message within " + timeout + " on " + uri);
        }
        if (event == END) {
            throw new AssertionError("connection to " + uri + " ended (close code " + closeCode.getNow(null)
                    + ") before a message arrived");
        }
        return event.text();
    }

    /**
     * Like {@link #awaitMessage(Duration)} but returns {@code null} when nothing arrives within {@code timeout} or
     * the connection has ended; for asserting that nothing is delivered.
     */
    public String pollMessage(Duration timeout) {
        Event event = take(timeout);
        return event == null || event == END ? null : event.text();
    }

    /**
     * Waits for the connection to end and returns the server's close code, or -1 if the TCP connection dropped
     * without a close frame (whether the JDK reported that as an error or as its synthetic close code 1006).
     *
     * <p>A drop that follows a message closely may never be reported: JDK 17's client reads the end of stream while
     * its listener still handles that message, with no demand left, and {@code TransportImpl.acknowledgeReception}
     * throws on its selector thread (about once in a thousand runs under load). A close frame is not affected; a test
     * that needs a bare drop reported drops the connection before any message, as {@code WsClientTest} does.
     *
     * @throws AssertionError if the connection is still open after {@code timeout}
     */
    public int awaitClose(Duration timeout) {
        try {
            return closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("connection to " + uri + " not closed within " + timeout);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + uri + " to close", e);
        }
    }

    public boolean isOpen() {
        return !closeCode.isDone() && !webSocket.isInputClosed() && !webSocket.isOutputClosed();
    }

    /** Sends close 1000 if the connection is open, waits up to 2 s for the server's close, then aborts. */
    @Override
    public void close() {
        try {
            if (!webSocket.isOutputClosed()) {
                long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
                webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                closeCode.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            // The server did not complete the closing handshake in time; abort below is the answer.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            webSocket.abort();
        }
    }

    @Override
    public String toString() {
        return "WsClient[" + uri + (isOpen() ? ", open" : ", closed") + "]";
    }

    private Event take(Duration timeout) {
        try {
            Event event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (event == END) {
                // Put it back so every later call also learns at once that the connection is over.
                events.add(END);
            }
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a message on " + uri, e);
        }
    }

    /** The JDK may wrap the refusal (CompletionException and the like), so look down the cause chain. */
    private static WebSocketHandshakeException findHandshakeRefusal(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof WebSocketHandshakeException refused) {
                return refused;
            }
        }
        return null;
    }

    private void ended(int code) {
        if (closeCode.complete(code)) {
            events.add(END);
        }
    }

    /** Feeds the queue; the JDK calls it on its own threads, one call at a time. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder fragments = new StringBuilder();

        @Override
        public void onOpen(WebSocket webSocket) {
            // The JDK delivers nothing until asked; ask for one message at a time, again after each one.
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            fragments.append(data);
            if (last) {
                events.add(new Event(fragments.toString()));
                fragments.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            // Pushline speaks text only; binary frames are skipped but must not stall the stream.
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            // Returning null lets the JDK answer with its own close frame, completing the handshake.
            ended(statusCode == CLOSED_ABNORMALLY ? DROPPED : statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            ended(DROPPED);
        }
    }
}
