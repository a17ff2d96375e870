package io.pushline.gateway.session;

import io.netty.channel.Channel;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A page that stops reading, on a real one-loop gateway with a real WebSocket client. */
class SlowConsumerIT {

    private static final String HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MemoryHub hub = new MemoryHub();
    private RawWebSocket page;
    private GatewayServer gateway;

    @AfterEach
    void stop() {
        if (page != null) {
            page.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void aSlowConsumerIsCountedAndClosedOnceThoughMorePushesFindItBeforeItsCloseCompletes() throws Exception {
        // The protocol handler closes a page only after its close frame is flushed, or a loop turn later: pushes
        // written in the same turn still find it open. They must not count it, log it and close it again.
        gateway = new GatewayServer(GatewayOptions.of(HOST, 0).withMaxOutboundBuffer(64 * 1024), EventLoopOptions.of(1),
                (listener, loops) -> new MemoryBroker(hub, listener));
        page = RawWebSocket.connect(HOST, gateway.port(), "/?uid=slow", 4096); // a small window fills at once
        LocalSessions sessions = gateway.sessions();
        Awaitility.await("bound").atMost(WAIT).until(() -> sessions.connections() == 1);
        Channel ch = sessions.connectionsByUid().next()[0];
        byte[] push = ("{\"uid\":\"slow\",\"pad\":\"" + "x".repeat(16 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);

        CompletableFuture<Long> countedInTheTask = new CompletableFuture<>();
        ch.eventLoop().execute(() -> {
            int pushes = 0;
            while (sessions.slowConsumersClosed() == 0 && pushes++ < 10_000) {
                sessions.onPush("slow", push, DeliveryListener.EVERY_LOOP);
            }
            for (int i = 0; i < 3; i++) {
                sessions.onPush("slow", push, DeliveryListener.EVERY_LOOP);
            }
            countedInTheTask.complete(sessions.slowConsumersClosed());
        });

        assertEquals(1, countedInTheTask.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        Awaitility.await("the slow page is closed").atMost(WAIT).until(() -> !ch.isOpen());
        assertEquals(1, sessions.slowConsumersClosed());
        assertTrue(sessions.connections() == 0);
    }
}
