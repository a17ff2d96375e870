package io.pushline.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import io.pushline.common.netty.Listeners;
import io.pushline.common.netty.Transport;
import io.pushline.common.protocol.CloseCodes;
import io.pushline.gateway.guard.GatewaySecurity;
import io.pushline.gateway.session.LocalSessions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A running gateway: owns its event loops, its broker and its listener, and closes them in reverse order.
 * Closing is the graceful shutdown: stop accepting, close every WebSocket with 1001, remove this node's presence
 * and subscriptions, release the threads.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    /** How long shutdown waits for pages to answer the 1001 close frame before the event loops close the rest. */
    static final long CLOSE_HANDSHAKE_WAIT_MS = 2_000;

    private final GatewayOptions options;
    private final LocalSessions sessions = new LocalSessions();
    private final Broker broker;
    private final GatewaySecurity security;
    private final EventLoopGroup loops;
    private final Channel listener;
    private final AtomicBoolean closing = new AtomicBoolean();

    /**
     * Starts a gateway. The broker is made here because it needs this node's sessions as its delivery listener.
     *
     * @throws io.pushline.common.config.StartupException when the port cannot be bound
     */
    public GatewayServer(GatewayOptions options, Function<DeliveryListener, Broker> brokerFactory) {
        this.options = options;
        this.security = new GatewaySecurity(options.identity(), options.guard(), options.host());
        this.broker = brokerFactory.apply(sessions);
        sessions.attach(broker);
        Transport transport = Transport.best();
        this.loops = transport.newGroup(Runtime.getRuntime().availableProcessors(), "gateway");
        int low = Math.max(1, options.maxOutboundBuffer() / 2);
        ServerBootstrap bootstrap = transport.serverBootstrap(loops)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(low, options.maxOutboundBuffer()))
                .childHandler(new GatewayInitializer(options, sessions, security));
        try {
            this.listener = Listeners.bind(bootstrap, options.host(), options.port(), "WebSockets");
        } catch (RuntimeException e) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            broker.close();
            throw e;
        }
        log.info("pushline-gateway listening for WebSockets on {}:{} ({}, node {}, {}, {} transport)",
                options.host(), port(), security.tls() ? "wss://" : "ws://", options.nodeId(), broker.describe(), transport.name().toLowerCase());
    }

    public int port() {
        return Listeners.port(listener);
    }

    public LocalSessions sessions() {
        return sessions;
    }

    /** Identity policy and refusal counters. */
    public GatewaySecurity security() {
        return security;
    }

    public Broker broker() {
        return broker;
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return; // closed already, or closing on another thread (a shutdown hook and a test, say)
        }
        listener.close().syncUninterruptibly();
        int open = sessions.connections();
        awaitClosed(sessions.closeAll(CloseCodes.GOING_AWAY, "server shutting down"));
        broker.close();
        loops.shutdownGracefully(100, 5_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        log.info("pushline-gateway {} stopped; closed {} connections with 1001", options.nodeId(), open);
    }

    /** Bounded: a page that never answers costs at most {@link #CLOSE_HANDSHAKE_WAIT_MS} in all, not each. */
    private static void awaitClosed(List<ChannelFuture> closing) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_HANDSHAKE_WAIT_MS);
        for (ChannelFuture f : closing) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !f.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                log.info("pushline-gateway: pages did not all answer the close within {}ms; closing the rest",
                        CLOSE_HANDSHAKE_WAIT_MS);
                return;
            }
        }
    }
}
