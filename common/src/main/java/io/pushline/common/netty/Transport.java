package io.pushline.common.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Native epoll where the platform has it (fewer syscalls, no selector garbage), NIO elsewhere.
 * Chosen once per process.
 */
public enum Transport {
    EPOLL, NIO;

    public static Transport best() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** Accepted connections a listener's kernel queue holds while the event loop catches up with a burst. */
    public static final int ACCEPT_BACKLOG = 4_096;

    /** A server bootstrap on {@code loops} with the options every Pushline listener uses. */
    public ServerBootstrap serverBootstrap(EventLoopGroup loops) {
        return new ServerBootstrap()
                .group(loops)
                .channel(serverChannel())
                .option(ChannelOption.SO_BACKLOG, ACCEPT_BACKLOG)
                .option(ChannelOption.SO_REUSEADDR, true) // a restarted node rebinds its port at once
                .childOption(ChannelOption.TCP_NODELAY, true); // pushes are small and latency-bound
    }
}
