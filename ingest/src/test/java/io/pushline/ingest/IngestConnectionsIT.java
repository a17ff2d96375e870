package io.pushline.ingest;

import io.pushline.broker.DeliveryListener;
import io.pushline.broker.memory.MemoryBroker;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.ingest.guard.IngestGuardOptions;
import io.pushline.testkit.LineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connection-level faults against a real ingest on a real socket, with the in-memory broker. */
class IngestConnectionsIT {

    private static final String HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final MemoryHub hub = new MemoryHub();
    private final List<AutoCloseable> open = new ArrayList<>();
    /** What reached the uid "online": the lines a page of it would get. */
    private final List<String> delivered = new CopyOnWriteArrayList<>();
    private IngestServer ingest;

    private void start(IngestOptions options) {
        MemoryBroker gateway = new MemoryBroker(hub, new DeliveryListener() {
            @Override
            public void onPush(String uid, byte[] line, int loop) {
                delivered.add(new String(line, StandardCharsets.UTF_8));
            }

            @Override
            public void onBroadcast(byte[] line, int loop) {
            }
        });
        gateway.subscribe("online");
        open.add(gateway);
        ingest = new IngestServer(options, loops -> new MemoryBroker(hub, DeliveryListener.NONE));
    }

    private LineClient client() {
        LineClient c = LineClient.connect(HOST, ingest.port());
        open.add(c);
        return c;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        ingest.close();
    }

    @Test
    void aConnectionStuckMidLineIsClosedWhileOneIdleBetweenLinesIsKept() {
        start(IngestOptions.of(HOST, 0).withPartialLineTimeout(Duration.ofMillis(500)));
        LineClient idle = client();
        assertEquals("ok", idle.push("{\"uid\":\"online\"}"));
        LineClient stuck = client();
        stuck.write("{\"uid\":\"online\",\"m\":\"never fini");

        assertTrue(stuck.awaitEof(WAIT), "closed after the partial-line timeout");
        // The idle connection has been idle at least as long, between lines: it must still work.
        assertEquals("ok", idle.push("{\"uid\":\"online\"}"));
    }

    @Test
    void overTheConnectionCapANewConnectionGetsOneFailAndIsClosed() {
        start(IngestOptions.of(HOST, 0).withMaxConnections(3));
        List<LineClient> first = List.of(client(), client(), client());
        for (LineClient c : first) {
            assertEquals("ok", c.push("{\"uid\":\"online\"}"));
        }

        LineClient fourth = client();
        assertEquals("fail", fourth.readLine(WAIT));
        assertTrue(fourth.awaitEof(WAIT));
        assertEquals(1, ingest.connections().refused());

        first.get(0).close();
        org.awaitility.Awaitility.await("a slot frees").atMost(WAIT).until(() -> ingest.connections().open() == 2);
        assertEquals("ok", client().push("{\"uid\":\"online\"}"), "a freed slot is usable again");
    }

    /** Everything the server sends until it closes the connection (the test fails if it does not within WAIT). */
    private static String readToEof(Socket s) throws Exception {
        s.setSoTimeout((int) WAIT.toMillis());
        InputStream in = s.getInputStream();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            got.write(buf, 0, n);
        }
        return got.toString(StandardCharsets.US_ASCII);
    }

    private Socket rawClient() throws Exception {
        Socket s = new Socket();
        open.add(s);
        s.connect(new InetSocketAddress(HOST, ingest.port()), 2_000);
        return s;
    }

    /**
     * The seed answers a client that shuts its output down after its line ({@code stream_socket_shutdown($c,
     * STREAM_SHUT_WR)}, {@code nc -N}); the ingest closed such a connection without a reply, yet published the line.
     */
    @Test
    void aClientThatShutsItsOutputAfterItsLinesGetsEveryReplyThenTheClose() throws Exception {
        start(IngestOptions.of(HOST, 0));
        Socket php = rawClient();
        php.getOutputStream().write("{\"uid\":\"online\",\"m\":1}\n{\"uid\":\"nobody\"}\nnot json\n{\"uid\":\"online\",\"m\":\"half"
                .getBytes(StandardCharsets.UTF_8));
        php.shutdownOutput();

        assertEquals("ok\nfail\nfail\n", readToEof(php), "each complete line answered in order, then the close");
        assertEquals(List.of("{\"uid\":\"online\",\"m\":1}"), delivered, "the half line after the last newline is never published");
        org.awaitility.Awaitility.await("the connection is uncounted").atMost(WAIT).until(() -> ingest.connections().open() == 0);
    }

    @Test
    void aClientThatShutsItsOutputWithoutALineIsClosed() throws Exception {
        start(IngestOptions.of(HOST, 0).withMaxConnections(1));
        Socket quiet = rawClient();
        quiet.shutdownOutput();
        assertEquals("", readToEof(quiet));
        org.awaitility.Awaitility.await("its slot frees").atMost(WAIT).until(() -> ingest.connections().open() == 0);
        assertEquals("ok", client().push("{\"uid\":\"online\"}"), "the one slot is usable again");
    }

    /**
     * Connections the allow-list closes on registration never reached the cap's activation, but were uncounted on
     * deactivation: five of them drove the count to -5 and let eight connections in under a cap of three.
     */
    @Test
    void connectionsRefusedByTheAllowListDoNotOpenRoomUnderTheCap() throws Exception {
        start(IngestOptions.of(HOST, 0).withMaxConnections(3).withGuard(IngestGuardOptions.defaults().withAllow("127.0.0.1/32")));
        for (int i = 0; i < 5; i++) {
            try (Socket outsider = new Socket()) {
                outsider.bind(new InetSocketAddress("127.0.0.2", 0));
                outsider.connect(new InetSocketAddress(HOST, ingest.port()), 2_000);
                assertEquals("", readToEof(outsider), "closed on accept, without a reply");
            }
        }
        org.awaitility.Awaitility.await("five refusals").atMost(WAIT).until(() -> ingest.guard().stats().addressRefusedCount() == 5);
        assertEquals(0, ingest.connections().open(), "refused connections were never counted, so never uncounted");

        for (int i = 0; i < 3; i++) {
            assertEquals("ok", client().push("{\"uid\":\"online\"}"));
        }
        LineClient fourth = client();
        assertEquals("fail", fourth.readLine(WAIT), "the cap of 3 still holds");
        assertTrue(fourth.awaitEof(WAIT));
        assertEquals(3, ingest.connections().open());
    }

    /** While the decoder discards an over-long line nothing is buffered; the connection is still mid-line. */
    @Test
    void aConnectionStuckInsideAnOverLongLineIsClosedAfterThePartialLineTimeout() {
        start(IngestOptions.of(HOST, 0).withMaxLineLength(1_024).withPartialLineTimeout(Duration.ofMillis(500)));
        LineClient stuck = client();
        stuck.write("{\"uid\":\"online\",\"pad\":\"" + "x".repeat(4_000));

        assertEquals("fail", stuck.readLine(WAIT), "answered when it passed the limit");
        assertTrue(stuck.awaitEof(WAIT), "then closed, since it never finished the line");
    }

    @Test
    void aLineWhoseFanOutPassesTheCapGetsFailAtOnceAndNothingIsPublished() {
        start(IngestOptions.of(HOST, 0).withMaxFanoutBytes(1_000));
        LineClient php = client();
        String pad = "x".repeat(300);
        String three = "{\"uid\":[\"online\",\"b\",\"c\"],\"pad\":\"" + pad + "\"}"; // 3 x 339 bytes
        String two = "{\"uid\":[\"online\",\"b\"],\"pad\":\"" + pad + "\"}";        // 2 x 335 bytes

        assertEquals("fail", php.push(three));
        assertEquals(List.of(), delivered, "nothing of the refused line is published");
        assertEquals(1, ingest.stats().refusedCount(io.pushline.common.protocol.InvalidLineException.Reason.FANOUT_TOO_LARGE));
        assertEquals("ok", php.push(two), "under the cap, and the connection stays usable");
        assertEquals(List.of(two), delivered);
    }
}
