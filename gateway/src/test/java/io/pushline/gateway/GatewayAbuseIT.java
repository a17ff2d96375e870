package io.pushline.gateway;

import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import io.pushline.broker.memory.MemoryBroker;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.common.protocol.CloseCodes;
import io.pushline.gateway.guard.GuardOptions;
import io.pushline.testkit.RawWebSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients that misbehave on purpose, against a real gateway on a real socket: each must cost the node a bounded
 * amount and leave nothing behind. The gateway runs on the in-memory broker; a second memory node publishes.
 */
class GatewayAbuseIT {

    private static final String HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final MemoryHub hub = new MemoryHub();
    private final Broker publisher = new MemoryBroker(hub, DeliveryListener.NONE);
    private final List<AutoCloseable> open = new ArrayList<>();
    /** Tells the writer threads a test started to stop, if the gateway has not stopped them already. */
    private final AtomicBoolean stopping = new AtomicBoolean();
    private GatewayServer gateway;

    private void start(GatewayOptions options) {
        gateway = new GatewayServer(options, (listener, loops) -> new MemoryBroker(hub, listener));
    }

    @AfterEach
    void stop() throws Exception {
        stopping.set(true);
        for (AutoCloseable c : open) {
            c.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private Socket socket(int receiveBufferBytes) throws IOException {
        Socket s = new Socket();
        if (receiveBufferBytes > 0) {
            s.setReceiveBufferSize(receiveBufferBytes);
        }
        s.connect(new InetSocketAddress(HOST, gateway.port()), 2_000);
        s.setSoTimeout((int) WAIT.toMillis());
        open.add(s);
        return s;
    }

    private boolean online(String uid) throws Exception {
        return publisher.publish(uid, ("{\"uid\":\"" + uid + "\"}").getBytes(StandardCharsets.UTF_8)).get(1, TimeUnit.SECONDS);
    }

    /** Writes {@code chunk} until the connection fails or the test ends; completes with whether it failed. */
    private CompletableFuture<Boolean> writeUntilClosed(OutputStream out, byte[] chunk) {
        CompletableFuture<Boolean> failed = new CompletableFuture<>();
        Thread writer = new Thread(() -> {
            try {
                while (!stopping.get()) {
                    out.write(chunk);
                }
                failed.complete(false);
            } catch (IOException | UncheckedIOException e) {
                failed.complete(true);
            }
        }, "flooding-client");
        writer.setDaemon(true);
        writer.start();
        return failed;
    }

    private static byte[] times(byte[] one, int n) {
        ByteArrayOutputStream all = new ByteArrayOutputStream(one.length * n);
        for (int i = 0; i < n; i++) {
            all.writeBytes(one);
        }
        return all.toByteArray();
    }

    private static String upgradeRequest(String target, String version) {
        return "GET " + target + " HTTP/1.1\r\nHost: " + HOST + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(new byte[16]) + "\r\n"
                + "Sec-WebSocket-Version: " + version + "\r\n\r\n";
    }

    /** Reads one HTTP response, its body skipped; returns its status line. */
    private static String readResponse(InputStream in) throws IOException {
        String head = readResponseHead(in);
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                in.readNBytes(Integer.parseInt(line.substring("content-length:".length()).trim()));
            }
        }
        return head.substring(0, head.indexOf("\r\n"));
    }

    /** Reads one HTTP response head, whole. */
    private static String readResponseHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void aClientThatPipelinesHttpRequestsAndNeverReadsIsClosedAtTheHandshakeTimeout() throws Exception {
        start(GatewayOptions.of(HOST, 0).withHandshakeTimeout(Duration.ofMillis(300)));
        Socket s = socket(4096);
        byte[] requests = times("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 2_000);

        CompletableFuture<Boolean> failed = writeUntilClosed(s.getOutputStream(), requests);

        // Each request reset a read timeout; the deadline now counts from the connect.
        assertTrue(failed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS), "the flood ended by the gateway's close");
    }

    @Test
    void aConnectionThatTricklesItsRequestIsClosedAtTheHandshakeTimeout() throws Exception {
        start(GatewayOptions.of(HOST, 0).withHandshakeTimeout(Duration.ofMillis(300)));
        Socket s = socket(0);
        OutputStream out = s.getOutputStream();
        out.write("GET / HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try {
            // A byte every 50 ms: never silent for the 300 ms a read timeout waited for.
            trickle.scheduleAtFixedRate(() -> {
                try {
                    out.write('a');
                } catch (IOException e) {
                    throw new UncheckedIOException(e); // closed: stops the trickle
                }
            }, 50, 50, TimeUnit.MILLISECONDS);
            int read;
            try {
                read = s.getInputStream().read();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("still open after " + WAIT, e);
            } catch (SocketException e) {
                read = -1; // reset: the gateway closed while bytes were still arriving
            }
            assertEquals(-1, read, "closed without an answer");
        } finally {
            trickle.shutdownNow();
        }
    }

    @Test
    void upgradeRequestsRepeatedOnOneConnectionTakeOneConnectionSlot() throws Exception {
        start(GatewayOptions.of(HOST, 0).withGuard(GuardOptions.defaults().withMaxConnections(2)));
        Socket s = socket(0);
        OutputStream out = s.getOutputStream();
        for (int i = 0; i < 2; i++) {
            // A version Netty does not speak: it answers 426 and keeps the connection open.
            out.write(upgradeRequest("/?uid=greedy", "99").getBytes(StandardCharsets.US_ASCII));
            assertTrue(readResponse(s.getInputStream()).contains(" 426 "));
        }

        // Each request took a slot of its own, and the node was full for everyone else.
        RawWebSocket page = RawWebSocket.connect(HOST, gateway.port(), "/?uid=fair");
        open.add(page);
        Awaitility.await("bound").atMost(WAIT).until(() -> online("fair"));
    }

    @Test
    void aUidSplitOverTwoFramesIsRefusedWith4400() throws Exception {
        start(GatewayOptions.of(HOST, 0));
        RawWebSocket page = RawWebSocket.connect(HOST, gateway.port(), "/");
        open.add(page);

        page.sendFragment(RawWebSocket.TEXT, "user".getBytes(StandardCharsets.UTF_8), false);
        page.sendFragment(RawWebSocket.CONTINUATION, "42".getBytes(StandardCharsets.UTF_8), true);

        assertEquals(CloseCodes.INVALID_UID, page.awaitCloseCode(WAIT));
        assertFalse(online("user"));
        assertFalse(online("user42"));
    }

    @Test
    void anUpgradeRequestInAbsoluteFormIsAnswered() throws Exception {
        start(GatewayOptions.of(HOST, 0));
        Socket s = socket(0);
        s.getOutputStream().write(upgradeRequest("http://" + HOST + ":" + gateway.port() + "/?uid=a", "13")
                .getBytes(StandardCharsets.US_ASCII));

        assertTrue(readResponse(s.getInputStream()).contains(" 404 "), "answered, not left waiting");
    }
}
