package io.pushline.gateway.session;

import io.netty.channel.Channel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What an idle page costs the gateway: once upgraded, its pipeline holds only what a WebSocket needs. */
class IdlePageIT {

    @Test
    void anUpgradedPageKeepsNoHttpHandler() throws Exception {
        try (OnePageGateway g = new OnePageGateway(OnePageGateway.options(), "idle", 0)) {
            Channel ch = g.channel;
            List<String> names = ch.eventLoop().submit(() -> new ArrayList<>(ch.pipeline().names())).get(10, TimeUnit.SECONDS);
            names.removeIf(name -> name.startsWith("DefaultChannelPipeline$TailContext"));
            assertEquals(List.of("wsencoder", "wsdecoder", "io.netty.handler.codec.http.websocketx.Utf8FrameValidator",
                    "websocket", "session"), names);
        }
    }
}
