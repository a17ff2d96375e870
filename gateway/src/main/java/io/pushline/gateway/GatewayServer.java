package io.pushline.gateway;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import io.pushline.common.netty.Listeners;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.common.netty.EventLoops;
import io.pushline.common.protocol.CloseCodes;
import io.pushline.gateway.guard.GatewaySecurity;
import io.pushline.gateway.session.HeartbeatSweep;
import io.pushline.gateway.session.LocalSessions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * A running gateway: owns its event loops, its broker and its listener, and closes them in reverse order.
 * Closing is the graceful shutdown: stop accepting, withdraw this node's presence (pushes to its uids read offline
 * from then on), close every WebSocket with 1001, drop its subscriptions, release the threads.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    /** How long shutdown waits for pages to answer the 1001 close frame before the event loops close the rest. */
    static final long CLOSE_HANDSHAKE_WAIT_MS = 2_000;
    /** How long shutdown waits for the broker to withdraw the node's presence before it closes the pages anyway. */
    static final long WITHDRAW_WAIT_MS = 2_000;

    private final GatewayOptions options;
    private final LocalSessions sessions = new LocalSessions();
    private final HeartbeatSweep heartbeat;
    private final Broker broker;
    private final GatewaySecurity security;
    private final EventLoops loops;
    private final boolean ownsLoops;
    private final Channel listener;
    private final AtomicBoolean closing = new AtomicBoolean();

    /**
     * Starts a gateway on event loops of its own, which it closes with itself. The broker is made here because
     * it needs this node's sessions as its delivery listener, and the loops to run its Redis client on.
     *
     * @throws io.pushline.common.config.StartupException when the port cannot be bound
     */
    public GatewayServer(GatewayOptions options, BiFunction<DeliveryListener, EventLoops, Broker> brokerFactory) {
        this(options, EventLoopOptions.of(EventLoopOptions.PER_CORE), brokerFactory);
    }

    /** Starts a gateway on {@code loops.threads()} event loops of its own, which it closes with itself. */
    public GatewayServer(GatewayOptions options, EventLoopOptions loops, BiFunction<DeliveryListener, EventLoops, Broker> brokerFactory) {
        this(options, loops.create("gateway"), true, brokerFactory);
    }

    /**
     * Starts a gateway on borrowed event loops (the all-in-one shares one group with its ingest). The caller
     * closes them, after this gateway; connections that have not finished closing when this gateway's close
     * returns (a page that ignores the 1001, a handshake in progress) are closed with the loops.
     */
    public GatewayServer(GatewayOptions options, EventLoops loops, BiFunction<DeliveryListener, EventLoops, Broker> brokerFactory) {
        this(options, loops, false, brokerFactory);
    }

    private GatewayServer(GatewayOptions options, EventLoops loops, boolean ownsLoops,
            BiFunction<DeliveryListener, EventLoops, Broker> brokerFactory) {
        this.options = options;
        this.loops = loops;
        this.ownsLoops = ownsLoops;
        try {
            this.security = new GatewaySecurity(options.identity(), options.guard(), options.host());
            this.broker = brokerFactory.apply(sessions, loops);
        } catch (RuntimeException e) {
            releaseLoops();
            throw e;
        }
        sessions.attach(broker, loops);
        this.heartbeat = new HeartbeatSweep(sessions, loops, options.pingInterval(), options.idleTimeout());
        int low = Math.max(1, options.maxOutboundBuffer() / 2);
        ServerBootstrap bootstrap = loops.transport().serverBootstrap(loops.group())
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(low, options.maxOutboundBuffer()))
                .childHandler(new GatewayInitializer(options, sessions, security));
        try {
            this.listener = Listeners.bind(bootstrap, options.host(), options.port(), "WebSockets");
        } catch (RuntimeException e) {
            heartbeat.close();
            broker.close();
            releaseLoops();
            throw e;
        }
        log.info("pushline-gateway listening for WebSockets on {}:{} ({}, node {}, {}, {} transport, {} event loops{})",
                options.host(), port(), security.tls() ? "wss://" : "ws://", options.nodeId(), broker.describe(),
                loops.transport().optionName(), loops.size(), ownsLoops ? "" : " shared");
    }

    private void releaseLoops() {
        if (ownsLoops) {
            loops.close();
        }
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
        heartbeat.close();
        int open = sessions.connections();
        withdrawPresence(open);
        awaitClosed(sessions.closeAll(CloseCodes.GOING_AWAY, "server shutting down"));
        broker.close(); // before the loops: its Redis client runs on them
        releaseLoops();
        log.info("pushline-gateway {} stopped; closed {} connections with 1001", options.nodeId(), open);
    }

    /**
     * Before the pages get their close frames: a page drops what is pushed to it after its close frame, so until it
     * has answered, a push to its uid would read ok and reach nobody. Bounded, so that an unreachable Redis does not
     * hold up the shutdown; the entries it could not remove lapse within the presence TTL.
     */
    private void withdrawPresence(int open) {
        try {
            long start = System.nanoTime();
            broker.withdraw().get(WITHDRAW_WAIT_MS, TimeUnit.MILLISECONDS);
            log.info("pushline-gateway {}: withdrew the presence of its {} connections in {} ms", options.nodeId(), open,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("pushline-gateway {}: could not withdraw the presence of its {} connections within {} ms ({}); "
                    + "pushes to their uids may read ok until each page has closed", options.nodeId(), open, WITHDRAW_WAIT_MS,
                    e.getCause() != null ? e.getCause().toString() : e.toString());
        }
    }

    /**
     * Bounded: a page that never answers costs at most {@link #CLOSE_HANDSHAKE_WAIT_MS} in all, not each. A page cut
     * here has its close frame and the FIN already (unless it read too slowly to take them), so it still sees 1001.
     */
    private void awaitClosed(List<ChannelFuture> closing) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_HANDSHAKE_WAIT_MS);
        for (ChannelFuture f : closing) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !f.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
                long unanswered = closing.stream().filter(c -> !c.isDone()).count();
                log.info("pushline-gateway {}: {} of {} pages had not answered the close within {} ms; closing them",
                        options.nodeId(), unanswered, closing.size(), CLOSE_HANDSHAKE_WAIT_MS);
                return;
            }
        }
    }
}
