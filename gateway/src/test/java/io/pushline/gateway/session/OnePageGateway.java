package io.pushline.gateway.session;

import io.netty.channel.Channel;
import io.pushline.broker.memory.MemoryBroker;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.testkit.RawWebSocket;
import org.awaitility.Awaitility;

import java.time.Duration;

/** A one-loop gateway on an in-memory broker with one raw WebSocket page bound to it, and that page's channel. */
final class OnePageGateway implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);
    /**
     * The index of a one-loop gateway's loop: lines delivered for it on it are written at once (nothing else is
     * queued to it), as a broker that receives on each loop (Redis) delivers them.
     */
    static final int THE_LOOP = 0;
    private static final String HOST = "127.0.0.1";

    final GatewayServer gateway;
    final RawWebSocket page;
    /** The gateway's side of the page. */
    final Channel channel;

    /** @param receiveBufferBytes the page's socket receive buffer (0: the system's; small: a slow reader) */
    OnePageGateway(GatewayOptions options, String uid, int receiveBufferBytes) {
        this(options, uid, receiveBufferBytes, "auto");
    }

    /** @param transport the loop's transport, as {@code --transport} names it */
    OnePageGateway(GatewayOptions options, String uid, int receiveBufferBytes, String transport) {
        gateway = new GatewayServer(options, EventLoopOptions.of(1, transport),
                (listener, loops) -> new MemoryBroker(new MemoryHub(), listener));
        try {
            page = RawWebSocket.connect(HOST, gateway.port(), "/?uid=" + uid, receiveBufferBytes);
            Awaitility.await("page bound").atMost(WAIT).until(() -> gateway.sessions().connections() == 1);
            channel = gateway.sessions().connectionsByUid().next()[0];
        } catch (RuntimeException | Error e) {
            gateway.close();
            throw e;
        }
    }

    static GatewayOptions options() {
        return GatewayOptions.of(HOST, 0);
    }

    LocalSessions sessions() {
        return gateway.sessions();
    }

    @Override
    public void close() {
        page.close();
        gateway.close();
    }
}
