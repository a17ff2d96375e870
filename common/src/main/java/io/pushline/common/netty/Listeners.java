package io.pushline.common.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.pushline.common.config.StartupException;

import java.net.InetSocketAddress;

/** Binds a server socket and turns a failure into one clear line. */
public final class Listeners {

    private Listeners() {
    }

    /** Binds synchronously (start-up code, never on an event loop). */
    public static Channel bind(ServerBootstrap bootstrap, String host, int port, String what) {
        try {
            return bootstrap.bind(new InetSocketAddress(host, port)).syncUninterruptibly().channel();
        } catch (Exception e) {
            throw StartupException.of("cannot listen for " + what + " on " + host + ":" + port, e);
        }
    }

    public static int port(Channel serverChannel) {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }
}
