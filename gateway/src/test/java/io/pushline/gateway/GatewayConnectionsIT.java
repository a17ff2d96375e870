package io.pushline.gateway;

import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import io.pushline.broker.memory.MemoryBroker;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.common.protocol.CloseCodes;
import io.pushline.testkit.RawWebSocket;
import io.pushline.testkit.RawWebSocket.Frame;
import io.pushline.testkit.WsClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Browser-side faults against a real gateway on a real socket: protocol violations, silent and slow clients.
 * The gateway runs on the in-memory broker; a second memory node publishes, as an ingest would.
 */
class GatewayConnectionsIT {

    private static final String HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final MemoryHub hub = new MemoryHub();
    private final Broker publisher = new MemoryBroker(hub, DeliveryListener.NONE);
    private final List<AutoCloseable> open = new ArrayList<>();
    private GatewayServer gateway;

    private GatewayServer start(GatewayOptions options) {
        gateway = new GatewayServer(options, (listener, loops) -> new MemoryBroker(hub, listener));
        return gateway;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private RawWebSocket raw(String uid) {
        RawWebSocket ws = RawWebSocket.connect(HOST, gateway.port(), "/?uid=" + uid);
        open.add(ws);
        awaitOnline(uid);
        return ws;
    }

    private void awaitOnline(String uid) {
        Awaitility.await(uid + " online").atMost(WAIT).until(() -> publisher.publish(uid, probe(uid)).get());
    }

    private static byte[] probe(String uid) {
        return ("{\"uid\":\"" + uid + "\",\"probe\":1}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aFrameOverTheLimitClosesWith1009() {
        start(GatewayOptions.of(HOST, 0));
        RawWebSocket ws = RawWebSocket.connect(HOST, gateway.port(), "/");
        open.add(ws);

        ws.sendFrame(RawWebSocket.TEXT, new byte[GatewayOptions.DEFAULT_MAX_FRAME_SIZE + 1], true);

        assertEquals(1009, ws.awaitCloseCode(WAIT));
    }

    @Test
    void invalidUtf8InATextFrameClosesWith1007() {
        start(GatewayOptions.of(HOST, 0));
        RawWebSocket ws = RawWebSocket.connect(HOST, gateway.port(), "/");
        open.add(ws);

        ws.sendFrame(RawWebSocket.TEXT, new byte[] {'u', (byte) 0xC3, 0x28}, true);

        assertEquals(1007, ws.awaitCloseCode(WAIT));
    }

    @Test
    void anUnmaskedClientFrameClosesWith1002() {
        start(GatewayOptions.of(HOST, 0));
        RawWebSocket ws = RawWebSocket.connect(HOST, gateway.port(), "/");
        open.add(ws);

        ws.sendFrame(RawWebSocket.TEXT, "uid1".getBytes(StandardCharsets.UTF_8), false);

        assertEquals(1002, ws.awaitCloseCode(WAIT));
    }

    @Test
    void aConnectionThatNeverSendsItsUidIsClosedWith4408() {
        start(GatewayOptions.of(HOST, 0).withUidTimeout(Duration.ofMillis(300)));
        RawWebSocket ws = RawWebSocket.connect(HOST, gateway.port(), "/");
        open.add(ws);

        assertEquals(CloseCodes.UID_TIMEOUT, ws.awaitCloseCode(WAIT));
    }

    @Test
    void atShutdownAUidReadsOfflineBeforeItsPageGetsItsCloseFrame() throws Exception {
        start(GatewayOptions.of(HOST, 0));
        RawWebSocket page = raw("stopping"); // never answers the close frame: the shutdown waits for it
        Thread stopping = new Thread(gateway::close, "stopping-gateway");
        stopping.start();
        try {
            assertEquals(CloseCodes.GOING_AWAY, page.awaitCloseCode(WAIT));

            // The page drops whatever follows its close frame: a push now must not read ok.
            assertFalse(publisher.publish("stopping", probe("stopping")).get());
        } finally {
            page.close();
            stopping.join(WAIT.toMillis());
        }
        assertFalse(stopping.isAlive());
    }

    @Test
    void aSilentConnectionIsPingedThenClosedAndItsUidGoesOffline() throws Exception {
        start(GatewayOptions.of(HOST, 0).withHeartbeat(Duration.ofMillis(200), Duration.ofMillis(700)));
        RawWebSocket ws = raw("silent");

        List<Integer> opcodes = new ArrayList<>();
        int closeCode = -2;
        for (Frame f; (f = ws.readFrame(WAIT)) != null; ) {
            opcodes.add(f.opcode());
            if (f.opcode() == RawWebSocket.CLOSE) {
                closeCode = f.closeCode();
                break;
            }
        }
        assertTrue(opcodes.contains(RawWebSocket.PING), "pinged before being closed: " + opcodes);
        assertEquals(CloseCodes.GOING_AWAY, closeCode);
        Awaitility.await("silent offline").atMost(WAIT).until(() -> !publisher.publish("silent", probe("silent")).get());
    }

    @Test
    void everyOneOfAThousandSilentPagesIsClosed() {
        // Long enough to connect them all first, so that one look walks the uids in more than one part
        // (HeartbeatSweep.UIDS_PER_SCAN), finds more than HeartbeatSweep.PER_SLICE of them due on each loop, and
        // handles them in several tasks (a lost slice would only be found a look later, so
        // this checks that all are closed, not how).
        start(GatewayOptions.of(HOST, 0).withHeartbeat(Duration.ofSeconds(2), Duration.ofSeconds(5)));
        int count = 1_200;
        List<RawWebSocket> pages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            RawWebSocket ws = RawWebSocket.connect(HOST, gateway.port(), "/?uid=many-" + i);
            open.add(ws);
            pages.add(ws);
        }

        for (RawWebSocket ws : pages) {
            assertEquals(CloseCodes.GOING_AWAY, ws.awaitCloseCode(Duration.ofSeconds(15))); // skips the pings before it
        }
        Awaitility.await("all unbound").atMost(WAIT).until(() -> gateway.sessions().connections() == 0);
    }

    @Test
    void aConnectionThatSendsNothingBeforeItsUpgradeIsClosed() throws Exception {
        start(GatewayOptions.of(HOST, 0).withHandshakeTimeout(Duration.ofMillis(300)));
        try (java.net.Socket socket = new java.net.Socket(HOST, gateway.port())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            long start = System.nanoTime();
            assertEquals(-1, socket.getInputStream().read(), "closed without a byte");
            assertTrue(System.nanoTime() - start < WAIT.toNanos());
        }
    }

    @Test
    void aPageThatOnlyReceivesPushesIsPingedAndKeptWhileItAnswers() throws Exception {
        start(GatewayOptions.of(HOST, 0).withHeartbeat(Duration.ofMillis(200), Duration.ofMillis(700)));
        RawWebSocket ws = raw("listener");
        // A push every 50 ms: the connection is never quiet towards the page, and the page sends nothing but pongs.
        ScheduledExecutorService pusher = Executors.newSingleThreadScheduledExecutor();
        try {
            pusher.scheduleAtFixedRate(() -> publisher.publish("listener", "{\"uid\":\"listener\"}".getBytes(StandardCharsets.UTF_8)),
                    0, 50, TimeUnit.MILLISECONDS);
            long start = System.nanoTime();
            int pongs = 0;
            int pushes = 0;
            while (System.nanoTime() - start < Duration.ofMillis(1_500).toNanos()) {
                Frame f = ws.readFrame(WAIT);
                assertNotNull(f, "connection ended");
                assertTrue(f.opcode() != RawWebSocket.CLOSE, "closed after " + pushes + " pushes and " + pongs + " pongs");
                if (f.opcode() == RawWebSocket.PING) {
                    ws.sendFrame(RawWebSocket.PONG, f.payload(), true);
                    pongs++;
                } else {
                    pushes++;
                }
            }
            assertTrue(pongs >= 2, "answered " + pongs + " pings");
            assertTrue(pushes >= 10, "received " + pushes + " pushes");
        } finally {
            pusher.shutdownNow();
        }
    }

    @Test
    void aConnectionThatAnswersPingsOutlivesTheIdleTimeout() throws Exception {
        start(GatewayOptions.of(HOST, 0).withHeartbeat(Duration.ofMillis(200), Duration.ofMillis(700)));
        RawWebSocket ws = raw("lively");
        long start = System.nanoTime();
        int pongs = 0;
        while (System.nanoTime() - start < Duration.ofMillis(1_500).toNanos()) {
            Frame f = ws.readFrame(WAIT);
            assertNotNull(f, "connection ended");
            assertTrue(f.opcode() != RawWebSocket.CLOSE, "closed although it answered every ping");
            if (f.opcode() == RawWebSocket.PING) {
                ws.sendFrame(RawWebSocket.PONG, f.payload(), true);
                pongs++;
            }
        }
        assertTrue(pongs >= 2, "answered " + pongs + " pings");
        assertTrue(publisher.publish("lively", "{\"uid\":\"lively\",\"m\":1}".getBytes(StandardCharsets.UTF_8)).get());
    }

    @Test
    void aBrowserThatStopsReadingIsClosedWith4429AndTheOthersGetEverything() throws Exception {
        int limit = 64 * 1024;
        start(GatewayOptions.of(HOST, 0).withMaxOutboundBuffer(limit));
        // A small receive window fills at once, so the gateway's own buffer is what grows.
        RawWebSocket slow = RawWebSocket.connect(HOST, gateway.port(), "/?uid=shared", 4096);
        open.add(slow);
        WsClient fast = WsClient.connect(URI.create("ws://" + HOST + ":" + gateway.port() + "/?uid=shared"));
        open.add(fast);
        Awaitility.await("both bound").atMost(WAIT).until(() -> gateway.sessions().connections() == 2);
        String pad = "x".repeat(16 * 1024);
        // In lockstep with the fast page, so only a reader that does not keep up falls behind: the slow page's
        // kernel buffers fill first (a few MB on loopback), then the gateway's, until it passes the limit.
        int pushes = 0;
        while (gateway.sessions().slowConsumersClosed() == 0) {
            assertTrue(pushes < 5_000, "the slow page was never cut off");
            assertTrue(publisher.publish("shared", ("{\"uid\":\"shared\",\"i\":" + pushes + ",\"pad\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8)).get());
            String msg = fast.awaitMessage(WAIT);
            assertTrue(msg.startsWith("{\"uid\":\"shared\",\"i\":" + pushes + ","), "push " + pushes + " in order, got " + msg.substring(0, 40));
            pushes++;
        }
        assertEquals(1, gateway.sessions().slowConsumersClosed());
        Awaitility.await("the slow page is gone, the fast one stays").atMost(WAIT).until(() -> gateway.sessions().connections() == 1);
        assertTrue(fast.isOpen());
        // The slow page, reading at last, finds its queued frames end in a close (or a reset), never all 400.
        int received = 0;
        Frame f;
        while ((f = slow.readFrame(Duration.ofSeconds(2))) != null && f.opcode() == RawWebSocket.TEXT) {
            received++;
        }
        assertTrue(received < pushes, "the slow page got " + received + " of " + pushes);
        assertTrue(f == null || f.closeCode() == CloseCodes.SLOW_CONSUMER, "closed with 4429, got " + (f == null ? "EOF" : f.closeCode()));
        assertFalse(publisher.publish("nobody", probe("nobody")).get(1, TimeUnit.SECONDS));
    }
}
