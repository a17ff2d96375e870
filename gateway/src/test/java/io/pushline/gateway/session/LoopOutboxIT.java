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

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A loop's outbox at its bound, on a real one-loop gateway with real WebSocket clients. */
class LoopOutboxIT {

    private static final String HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MemoryHub hub = new MemoryHub();
    private final Broker publisher = new MemoryBroker(hub, DeliveryListener.NONE);
    private final List<RawWebSocket> pages = new ArrayList<>();
    private GatewayServer gateway;

    @AfterEach
    void stop() {
        pages.forEach(RawWebSocket::close);
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void pushesPilingUpBehindABroadcastPastTheBoundFinishItAtOnceAndEveryPageKeepsItsOrder() {
        gateway = new GatewayServer(GatewayOptions.of(HOST, 0), EventLoopOptions.of(1), (listener, loops) -> new MemoryBroker(hub, listener));
        // One loop, more pages than a slice, and one push per page, big enough that the pushes waiting behind the
        // broadcast pass the byte bound before the last of them.
        int count = LoopOutbox.SLICE + 100;
        int pushBytes = (int) (LoopOutbox.MAX_WAITING_BYTES / count) + 1024;
        String padding = "x".repeat(pushBytes);
        List<String> uids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String uid = "o" + i;
            uids.add(uid);
            pages.add(RawWebSocket.connect(HOST, gateway.port(), "/?uid=" + uid));
        }
        LocalSessions sessions = gateway.sessions();
        Awaitility.await("pages bound").atMost(WAIT).until(() -> sessions.connections() == count);
        EventLoop loop = sessions.connectionsByUid().next()[0].eventLoop();
        byte[] broadcast = "{\"broadcast\":true,\"m\":\"first\"}".getBytes(StandardCharsets.UTF_8);

        // All handed over in one task of the loop, as a burst of lines read in one turn would be: the broadcast
        // writes its first slice and leaves the rest for later; the pushes wait behind it until they are too many.
        loop.execute(() -> {
            sessions.onBroadcast(broadcast, DeliveryListener.EVERY_LOOP);
            for (String uid : uids) {
                sessions.onPush(uid, push(uid, padding), DeliveryListener.EVERY_LOOP);
            }
        });

        for (int p = 0; p < count; p++) {
            assertEquals("{\"broadcast\":true,\"m\":\"first\"}", pages.get(p).readFrame(WAIT).text(), "page " + p);
            assertEquals(new String(push(uids.get(p), padding), StandardCharsets.UTF_8), pages.get(p).readFrame(WAIT).text(), "page " + p);
        }
        assertEquals(1, sessions.outboxOverflows(), "the bound was passed once");
        assertEquals(0, sessions.slowConsumersClosed());
    }

    private static byte[] push(String uid, String padding) {
        return ("{\"uid\":\"" + uid + "\",\"pad\":\"" + padding + "\"}").getBytes(StandardCharsets.UTF_8);
    }
}
