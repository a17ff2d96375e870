package io.pushline.ingest;

import io.pushline.broker.DeliveryListener;
import io.pushline.broker.memory.MemoryBroker;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.testkit.LineClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Connection-level faults against a real ingest on a real socket, with the in-memory broker. */
class IngestConnectionsIT {

    private static final String HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final MemoryHub hub = new MemoryHub();
    private final List<AutoCloseable> open = new ArrayList<>();
    private IngestServer ingest;

    private void start(IngestOptions options) {
        MemoryBroker gateway = new MemoryBroker(hub, DeliveryListener.NONE);
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
}
