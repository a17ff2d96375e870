package io.pushline.gateway.session;

import io.netty.channel.EventLoop;
import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import io.pushline.broker.memory.MemoryBroker;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.testkit.RawWebSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pushline.gateway.session.OnePageGateway.THE_LOOP;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A loop's outbox during a broadcast and at its bounds, on a real one-loop gateway with real WebSocket clients. */
class LoopOutboxIT {

    private static final String HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** More pages than a slice on a one-loop gateway: the broadcast to them cannot be written in one slice. */
    private static final int PAGES = LoopOutbox.SLICE + 100;

    private final MemoryHub hub = new MemoryHub();
    private final Broker publisher = new MemoryBroker(hub, DeliveryListener.NONE);
    private static final byte[] FIRST = "{\"broadcast\":true,\"m\":\"first\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SECOND = "{\"broadcast\":true,\"m\":\"second\"}".getBytes(StandardCharsets.UTF_8);

    private final List<RawWebSocket> pages = new ArrayList<>();
    private final List<String> uids = new ArrayList<>();
    private GatewayServer gateway;

    @AfterEach
    void stop() {
        pages.forEach(RawWebSocket::close);
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void pushesPilingUpBehindABroadcastPastTheByteBoundFinishItAtOnceAndEveryPageKeepsItsOrder() {
        // One push per page, big enough that the pushes waiting behind the broadcast pass the byte bound before
        // the last of them, long before the count bound.
        int pushBytes = (int) (LoopOutbox.MAX_WAITING_BYTES / PAGES) + 1024;
        overflowBehindABroadcast(1, "x".repeat(pushBytes));
    }

    @Test
    void pushesPilingUpBehindABroadcastPastTheCountBoundFinishItAtOnceAndEveryPageKeepsItsOrder() {
        // Small pushes, enough of them per page to pass the count bound while their bytes stay far below the
        // byte bound (about 2 MB of 8 MiB).
        int perPage = LoopOutbox.MAX_WAITING / PAGES + 1;
        overflowBehindABroadcast(perPage, "");
    }

    @Test
    void aPushHandedOverDuringABroadcastGoesAtOnceWithTheBroadcastWrittenAheadToItsPage() throws Exception {
        LocalSessions sessions = connectPages();
        EventLoop loop = sessions.connectionsByUid().next()[0].eventLoop();

        // In one task of the loop: the broadcast writes its first slice only; then one push per page. Each push
        // must be written at once, after the broadcast (written ahead to its page where the slices have not been).
        CompletableFuture<Long> writtenInTheTask = new CompletableFuture<>();
        loop.execute(() -> {
            long before = sessions.framesDelivered();
            sessions.onBroadcast(FIRST, THE_LOOP);
            for (String uid : uids) {
                sessions.onPush(uid, push(uid, 0, ""), THE_LOOP);
            }
            writtenInTheTask.complete(sessions.framesDelivered() - before);
        });
        assertEquals(2L * PAGES, writtenInTheTask.get(WAIT.toSeconds(), TimeUnit.SECONDS),
                "the broadcast and the push to every page, before the loop ran anything else");

        // Every page had the broadcast once, then its push: the later slices skipped the pages written ahead.
        for (int p = 0; p < PAGES; p++) {
            assertEquals(text(FIRST), pages.get(p).readFrame(WAIT).text(), "page " + p);
            assertEquals(text(push(uids.get(p), 0, "")), pages.get(p).readFrame(WAIT).text(), "page " + p);
        }
        for (String uid : uids) {
            sessions.onPush(uid, push(uid, 1, ""), THE_LOOP);
        }
        for (int p = 0; p < PAGES; p++) {
            assertEquals(text(push(uids.get(p), 1, "")), pages.get(p).readFrame(WAIT).text(), "page " + p);
        }
        assertEquals(0, sessions.outboxOverflows());
    }

    /**
     * Hands two broadcasts and then {@code perPage} pushes to each page to the loop in one task, as a burst of
     * lines read in one turn would be: the first broadcast writes its first slice and leaves the rest for later, the
     * second waits for it, and the pushes wait behind the second (they must not overtake it) until they are too
     * many. Every page must then receive both broadcasts and its pushes in order, and the bound must have been
     * passed once.
     */
    private void overflowBehindABroadcast(int perPage, String padding) {
        LocalSessions sessions = connectPages();
        EventLoop loop = sessions.connectionsByUid().next()[0].eventLoop();

        loop.execute(() -> {
            sessions.onBroadcast(FIRST, THE_LOOP);
            sessions.onBroadcast(SECOND, THE_LOOP);
            for (int n = 0; n < perPage; n++) {
                for (String uid : uids) {
                    sessions.onPush(uid, push(uid, n, padding), THE_LOOP);
                }
            }
        });

        for (int p = 0; p < PAGES; p++) {
            assertEquals(text(FIRST), pages.get(p).readFrame(WAIT).text(), "page " + p);
            assertEquals(text(SECOND), pages.get(p).readFrame(WAIT).text(), "page " + p);
            for (int n = 0; n < perPage; n++) {
                assertEquals(text(push(uids.get(p), n, padding)), pages.get(p).readFrame(WAIT).text(),
                        "page " + p + ", push " + n);
            }
        }
        assertEquals(1, sessions.outboxOverflows(), "the bound was passed once");
        assertEquals(0, sessions.slowConsumersClosed());
    }

    /** A one-loop gateway with {@link #PAGES} pages, each bound to its uid in {@link #uids}. */
    private LocalSessions connectPages() {
        gateway = new GatewayServer(GatewayOptions.of(HOST, 0), EventLoopOptions.of(1), (listener, loops) -> new MemoryBroker(hub, listener));
        for (int i = 0; i < PAGES; i++) {
            String uid = "o" + i;
            uids.add(uid);
            pages.add(RawWebSocket.connect(HOST, gateway.port(), "/?uid=" + uid));
        }
        LocalSessions sessions = gateway.sessions();
        Awaitility.await("pages bound").atMost(WAIT).until(() -> sessions.connections() == PAGES);
        return sessions;
    }

    private static String text(byte[] line) {
        return new String(line, StandardCharsets.UTF_8);
    }

    private static byte[] push(String uid, int n, String padding) {
        return ("{\"uid\":\"" + uid + "\",\"n\":" + n + ",\"pad\":\"" + padding + "\"}").getBytes(StandardCharsets.UTF_8);
    }
}
