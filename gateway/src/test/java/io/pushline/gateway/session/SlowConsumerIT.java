package io.pushline.gateway.session;

import io.netty.channel.Channel;
import io.pushline.common.netty.Transport;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.pushline.gateway.session.OnePageGateway.THE_LOOP;
import static io.pushline.gateway.session.OnePageGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A page that stops reading, on a real one-loop gateway with a real WebSocket client. */
class SlowConsumerIT {

    /** On io_uring too: its writes leave the loop when the turn ends, so the page's buffer is counted differently. */
    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"auto", "io_uring"})
    void aSlowConsumerIsCountedAndClosedOnceThoughMorePushesFindItBeforeItsCloseCompletes(String transport) throws Exception {
        assumeTrue(Transport.named(transport).isAvailable(), () -> transport + " is not available here");
        // The protocol handler closes a page only after its close frame is flushed, or a loop turn later: pushes
        // written in the same turn still find it open. They must not count it, log it and close it again.
        try (OnePageGateway g = new OnePageGateway(OnePageGateway.options().withMaxOutboundBuffer(64 * 1024), "slow", 4096, transport)) {
            LocalSessions sessions = g.sessions();
            Channel ch = g.channel;
            byte[] push = ("{\"uid\":\"slow\",\"pad\":\"" + "x".repeat(16 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);

            CompletableFuture<Long> countedInTheTask = new CompletableFuture<>();
            ch.eventLoop().execute(() -> {
                int pushes = 0; // a small receive window fills at once, then the gateway's buffer passes its limit
                while (sessions.slowConsumersClosed() == 0 && pushes++ < 10_000) {
                    sessions.onPush("slow", push, THE_LOOP);
                }
                for (int i = 0; i < 3; i++) {
                    sessions.onPush("slow", push, THE_LOOP);
                }
                countedInTheTask.complete(sessions.slowConsumersClosed());
            });

            assertEquals(1, countedInTheTask.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            Awaitility.await("the slow page is closed").atMost(WAIT).until(() -> !ch.isOpen() && sessions.connections() == 0);
            assertEquals(1, sessions.slowConsumersClosed());
        }
    }
}
