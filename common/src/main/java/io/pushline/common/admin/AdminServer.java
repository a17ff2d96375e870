package io.pushline.common.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.pushline.common.netty.Listeners;
import io.pushline.common.netty.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** The admin listener, on one event-loop thread of its own. Closes its thread with it. */
public final class AdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    static final int MAX_REQUEST_BYTES = 8_192;
    static final int READ_TIMEOUT_SECONDS = 30;

    private final EventLoopGroup loop;
    private final Channel listener;

    /** @throws io.pushline.common.config.StartupException when the port cannot be bound */
    public AdminServer(AdminOptions options, PrometheusMeterRegistry registry, List<ReadinessCheck> checks) {
        Transport transport = Transport.best();
        this.loop = transport.newGroup(1, "admin");
        AdminHandler handler = new AdminHandler(registry, checks);
        try {
            this.listener = Listeners.bind(transport.serverBootstrap(loop).childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                            .addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS))
                            .addLast(new HttpServerCodec())
                            .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                            .addLast(handler);
                }
            }), options.host(), options.port(), "admin requests");
        } catch (RuntimeException e) {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        log.info("pushline admin listening on {}:{} (/metrics, /health/live, /health/ready)", options.host(), port());
    }

    public int port() {
        return Listeners.port(listener);
    }

    /**
     * Serves the admin endpoints for a running service, unless they are turned off; the result closes the admin
     * listener, then the service. If the admin port cannot be bound, the service is closed and the error thrown.
     */
    public static AutoCloseable around(AutoCloseable service, AdminOptions options, PrometheusMeterRegistry registry,
                                       List<ReadinessCheck> checks) throws Exception {
        if (!options.enabled()) {
            return service;
        }
        AdminServer admin;
        try {
            admin = new AdminServer(options, registry, checks);
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        return () -> {
            admin.close();
            service.close();
        };
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
