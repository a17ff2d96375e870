package io.pushline.broker.redis;

import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.Transports;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.pushline.common.netty.EventLoops;

import java.util.concurrent.TimeUnit;

/**
 * Lends one Lettuce client one of the node's own event loops (see {@link EventLoops}): every connection the client
 * opens, and every reconnect of it, runs on that loop, where Lettuce would otherwise pick any loop of a group, or
 * start threads of its own. Lettuce releases what it allocated when the client shuts down; a borrowed loop is not
 * its to stop, so release leaves it running.
 *
 * <p>Lettuce picks its socket channel class by itself, once per process ({@link LettuceTransport} points it at the
 * node's transport). Should that differ from the node's transport (a unix socket on an io_uring node, or an
 * operator's system property), a channel could not register on a borrowed loop: Lettuce then gets threads of its
 * own from {@code fallback}, as before lanes existed.
 */
final class BorrowedLoop implements EventLoopGroupProvider {

    private final EventLoop loop;
    private final boolean compatible;
    private final EventLoopGroupProvider fallback;

    /** @param fallback shared by the lanes of a node, so that a fallback starts one group of threads, not one per lane */
    BorrowedLoop(EventLoops loops, int index, EventLoopGroupProvider fallback) {
        this.loop = loops.get(index);
        this.compatible = compatible(loops);
        this.fallback = fallback;
    }

    static boolean compatible(EventLoops loops) {
        return Transports.socketChannelClass().equals(loops.transport().socketChannel());
    }

    /** A loop is a group of one: Lettuce registers every channel of the client with it. */
    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
        return compatible ? (T) loop : fallback.allocate(type);
    }

    @Override
    public int threadPoolSize() {
        return compatible ? 1 : fallback.threadPoolSize();
    }

    @Override
    public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
        if (group == loop) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }
        return fallback.release(group, quietPeriod, timeout, unit);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
        return fallback.shutdown(quietPeriod, timeout, unit);
    }
}
