package io.pushline.common.netty;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The I/O threads of one process: one group of event loops, one per core, shared by its listeners and by its
 * Redis client. A push then crosses as few threads as possible: the ingest's Redis command, Redis's answer and
 * the reply to the PHP client can all run on one loop, and a frame published to a uid reaches a browser on the
 * pub/sub connection's loop without a hand-off when they share it. Separate groups per component (the old
 * layout: two for the servers and two for Redis) put ten threads on two cores and a wake-up on every hop.
 *
 * <p>Whoever creates it owns it and closes it after everything that runs on it.
 */
public final class EventLoops implements AutoCloseable {

    private final Transport transport;
    private final EventLoopGroup group;
    /** The group's loops in a fixed order, for {@link #indexOfCurrent()}. */
    private final List<EventLoop> loops = new ArrayList<>();

    private EventLoops(Transport transport, int threads, String name) {
        this.transport = transport;
        this.group = transport.newGroup(threads, name);
        for (EventExecutor executor : group) {
            loops.add((EventLoop) executor);
        }
    }

    public static EventLoops create(int threads, String name) {
        return create(Transport.best(), threads, name);
    }

    public static EventLoops create(Transport transport, int threads, String name) {
        return new EventLoops(transport, threads, name);
    }

    public Transport transport() {
        return transport;
    }

    public EventLoopGroup group() {
        return group;
    }

    public int size() {
        return loops.size();
    }

    public EventLoop get(int index) {
        return loops.get(index);
    }

    /** The index of {@code loop} among these, or -1 when it is not one of them. */
    public int indexOf(EventLoop loop) {
        return loops.indexOf(loop);
    }

    /** The index of the loop the calling thread is, or -1 when it is not one of them. */
    public int indexOfCurrent() {
        for (int i = 0; i < loops.size(); i++) {
            if (loops.get(i).inEventLoop()) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
