package io.pushline.common.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The socket layer of a process's event loops. Native epoll where the platform has it (fewer syscalls, no selector
 * garbage), NIO elsewhere; io_uring only when the operator asks for it ({@code --transport io_uring}). io_uring
 * took about 12% less of a node's CPU per push on the benchmark machine (docs/benchmarks.md, seventeenth pass), but
 * it is newer in Netty than epoll and many hosts turn it off (container seccomp profiles, the
 * {@code kernel.io_uring_disabled} sysctl), so it is a choice, not a default that would differ from host to host.
 */
public enum Transport {
    EPOLL, IO_URING, NIO;

    /**
     * Completions one io_uring loop can hold before it reaps them. Netty's default of 4,096 overflowed (and warned on
     * every overflow: 982 warnings in 20 s) in a closed-loop benchmark with 1,000 pages, none at this size: a loop turn
     * that writes to many pages completes more operations than that. Each entry is 16 bytes, so this costs 256 KiB
     * per loop. A larger {@code -Dio.netty.iouring.cqSize} wins.
     */
    static final int IO_URING_COMPLETION_QUEUE = 16_384;

    /** The transport a process gets unless told otherwise: epoll where it loads, NIO elsewhere. */
    public static Transport best() {
        return EPOLL.isAvailable() ? EPOLL : NIO;
    }

    /** {@code epoll}, {@code io_uring} or {@code nio}, as an operator writes it; {@code auto} is {@link #best()}. */
    public static Transport named(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        if (key.equals("auto")) {
            return best();
        }
        for (Transport t : values()) {
            if (t.optionName().equals(key)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + name + "': one of auto, "
                + Arrays.stream(values()).map(Transport::optionName).collect(Collectors.joining(", ")));
    }

    /** The name an operator writes for it, and logs show. */
    public String optionName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean isAvailable() {
        return switch (this) {
            case EPOLL -> Epoll.isAvailable();
            case IO_URING -> IoUring.isAvailable();
            case NIO -> true;
        };
    }

    /** Why it cannot be used here, or null when it can. */
    public Throwable unavailabilityCause() {
        return switch (this) {
            case EPOLL -> Epoll.unavailabilityCause();
            case IO_URING -> IoUring.unavailabilityCause();
            case NIO -> null;
        };
    }

    public EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = switch (this) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> {
                IoUringIoHandlerConfig config = new IoUringIoHandlerConfig(); // Netty's defaults, or the operator's
                yield IoUringIoHandler.newFactory(config.setCqSize(Math.max(config.getCqSize(), IO_URING_COMPLETION_QUEUE)));
            }
            case NIO -> NioIoHandler.newFactory();
        };
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public Class<? extends ServerChannel> serverChannel() {
        return switch (this) {
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    /** The client socket class that registers with these loops (a Redis client lent one must use it). */
    public Class<? extends Channel> socketChannel() {
        return switch (this) {
            case EPOLL -> EpollSocketChannel.class;
            case IO_URING -> IoUringSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
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
