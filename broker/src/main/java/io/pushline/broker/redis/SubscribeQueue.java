package io.pushline.broker.redis;

import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import io.netty.channel.EventLoop;
import io.pushline.common.netty.EventLoops;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * The {@code SUBSCRIBE} and {@code UNSUBSCRIBE} commands of one pub/sub connection (a {@link RedisLane}'s),
 * written in the order the node decided them, in batches: consecutive subscribes (or unsubscribes) queued before
 * the queue is flushed leave as one command of up to {@link #MAX_CHANNELS} channels. A flush runs at the end of
 * the event-loop turn that queued the first of them, so a join waits for nothing but the rest of its turn; a node
 * taking thousands of pages a second (the reconnect storm after another node stopped) writes one command per turn
 * instead of one system call per page, and Redis answers in one write.
 *
 * <p>Ordering: {@link #subscribe} and {@link #unsubscribe} are called under the owner's lock, so the queue's order is
 * the lock's; a flush takes the same lock, so its writes keep that order against the owner's own writes to the
 * connection, and a channel's subscribe and unsubscribe reach Redis in the order they were decided.
 */
final class SubscribeQueue {

    /** Channels per command: bounds one write, and one reply Lettuce decodes in one go. */
    static final int MAX_CHANNELS = 512;

    private final Object lock;
    private final Supplier<StatefulRedisPubSubConnection<String, byte[]>> connection;
    private final EventLoops loops;
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<Batch> queued = new ArrayDeque<>();
    /** Guarded by {@link #lock}: whether a flush is on its way. */
    private boolean flushQueued;

    /**
     * @param lock the owner's lock, held by callers of {@link #subscribe} and {@link #unsubscribe}
     * @param connection the current pub/sub connection (it is replaced when it goes deaf), read under the lock
     */
    SubscribeQueue(Object lock, Supplier<StatefulRedisPubSubConnection<String, byte[]>> connection, EventLoops loops) {
        this.lock = lock;
        this.connection = connection;
        this.loops = loops;
    }

    /**
     * Queues a subscribe; the caller holds the lock.
     *
     * @return completes when Redis has confirmed the command the channel went out in; shared by the channels of
     *     that command, so callers only attach to it
     */
    CompletableFuture<Void> subscribe(String channel) {
        return add(true, channel);
    }

    /** Queues an unsubscribe; as {@link #subscribe}. */
    CompletableFuture<Void> unsubscribe(String channel) {
        return add(false, channel);
    }

    private CompletableFuture<Void> add(boolean subscribe, String channel) {
        Batch last = queued.peekLast();
        if (last == null || last.subscribe != subscribe || last.channels.size() == MAX_CHANNELS) {
            last = new Batch(subscribe);
            queued.add(last);
        }
        last.channels.add(channel);
        if (!flushQueued) {
            flushQueued = true;
            int current = loops.indexOfCurrent();
            // From a loop: at the end of its turn. From another thread (a re-sync on the timer): on some loop,
            // which takes the lock once the caller has queued what it holds it for.
            EventLoop loop = current >= 0 ? loops.get(current) : loops.group().next();
            try {
                loop.execute(this::flush);
            } catch (RejectedExecutionException e) {
                flush(); // the loops are stopping: write now rather than never
            }
        }
        return last.done;
    }

    /** Writes everything queued, one command per batch. */
    void flush() {
        synchronized (lock) {
            flushQueued = false;
            RedisPubSubAsyncCommands<String, byte[]> commands = connection.get().async();
            Batch batch;
            while ((batch = queued.poll()) != null) {
                batch.write(commands);
            }
        }
    }

    private static final class Batch {
        final boolean subscribe;
        final List<String> channels = new ArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Batch(boolean subscribe) {
            this.subscribe = subscribe;
        }

        void write(RedisPubSubAsyncCommands<String, byte[]> commands) {
            try {
                String[] names = channels.toArray(String[]::new);
                (subscribe ? commands.subscribe(names) : commands.unsubscribe(names)).whenComplete((v, e) -> {
                    if (e != null) {
                        done.completeExceptionally(e);
                    } else {
                        done.complete(null);
                    }
                });
            } catch (RuntimeException e) {
                done.completeExceptionally(e); // a connection that refuses at once (closed): the caller marks dirty
            }
        }
    }
}
