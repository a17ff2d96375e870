package io.pushline.broker.redis;

import io.lettuce.core.resource.DefaultEventLoopGroupProvider;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.lettuce.core.resource.Transports;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.pushline.common.netty.EventLoops;
import io.pushline.common.netty.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Lends Lettuce the node's own event loops (see {@link EventLoops}) instead of letting it start threads of its
 * own. Lettuce releases what it allocated when the client shuts down; borrowed loops are not its to stop, so
 * release and shutdown leave them running.
 *
 * <p>Lettuce picks its socket channel class by itself (native epoll when the library loads). Should that ever
 * differ from the node's transport (Lettuce's epoll turned off by a system property, say), a channel could not
 * register on the borrowed loops: Lettuce then gets threads of its own, as before, and a line in the log says so.
 */
final class BorrowedLoops implements EventLoopGroupProvider {

    private static final Logger log = LoggerFactory.getLogger(BorrowedLoops.class);

    private final EventLoops loops;
    private final EventLoopGroupProvider fallback;

    BorrowedLoops(EventLoops loops) {
        this.loops = loops;
        this.fallback = new DefaultEventLoopGroupProvider(loops.size());
    }

    static boolean compatible(EventLoops loops) {
        boolean lettuceEpoll = EpollSocketChannel.class.equals(Transports.socketChannelClass());
        return lettuceEpoll == (loops.transport() == Transport.EPOLL);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
        if (type.isInstance(loops.group()) && compatible(loops)) {
            return (T) loops.group();
        }
        log.info("redis: Lettuce's transport ({}) differs from the node's ({}); Lettuce runs on threads of its own",
                Transports.socketChannelClass().getSimpleName(), loops.transport());
        return fallback.allocate(type);
    }

    @Override
    public int threadPoolSize() {
        return loops.size();
    }

    @Override
    public Future<Boolean> release(EventExecutorGroup group, long quietPeriod, long timeout, TimeUnit unit) {
        if (group == loops.group()) {
            return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
        }
        return fallback.release(group, quietPeriod, timeout, unit);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit unit) {
        return fallback.shutdown(quietPeriod, timeout, unit);
    }
}
