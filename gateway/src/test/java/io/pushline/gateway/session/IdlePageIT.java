package io.pushline.gateway.session;

import io.netty.channel.Channel;
import io.pushline.broker.memory.MemoryBroker;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.testkit.RawWebSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What an idle page costs the gateway: once upgraded, its pipeline holds only what a WebSocket needs. */
class IdlePageIT {

    private GatewayServer gateway;
    private RawWebSocket page;

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
    void anUpgradedPageKeepsNoHttpHandler() throws Exception {
        MemoryHub hub = new MemoryHub();
        gateway = new GatewayServer(GatewayOptions.of("127.0.0.1", 0), EventLoopOptions.of(1),
                (listener, loops) -> new MemoryBroker(hub, listener));
        page = RawWebSocket.connect("127.0.0.1", gateway.port(), "/?uid=idle");
        LocalSessions sessions = gateway.sessions();
        Awaitility.await("page bound").atMost(Duration.ofSeconds(10)).until(() -> sessions.connections() == 1);

        Channel ch = sessions.connectionsByUid().next()[0];
        List<String> names = ch.eventLoop().submit(() -> new ArrayList<>(ch.pipeline().names())).get(10, TimeUnit.SECONDS);
        names.removeIf(name -> name.startsWith("DefaultChannelPipeline$TailContext"));
        assertEquals(List.of("wsencoder", "wsdecoder", "io.netty.handler.codec.http.websocketx.Utf8FrameValidator",
                "websocket", "session"), names);
    }
}
