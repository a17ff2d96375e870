package io.pushline.broker.redis;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One event loop's share of a node's Redis traffic: a command connection on that loop, flushed once per turn, and,
 * on a gateway, a pub/sub connection on that loop with the queue of its subscriptions. A push then stays on the
 * loop it arrived on: an ingest writes a line's commands on the loop of the PHP client's connection and gets the
 * replies there; a gateway subscribes a uid on the loop of its pages and receives its lines there, so writing
 * them to the pages is no hand-off between threads.
 *
 * <p>Fields that are not final or volatile are guarded by the broker's lock.
 */
final class RedisLane {

    final int index;
    final StatefulRedisConnection<String, byte[]> connection;
    final RedisAsyncCommands<String, byte[]> commands;
    /** Call after writing to {@link #commands}: flushes with the other commands of the turn (see {@link TurnFlusher}). */
    final Runnable written;
    /** Presence writes on this lane's connection; a gateway's. */
    RedisPresence presence;
    volatile StatefulRedisPubSubConnection<String, byte[]> pubsub;
    SubscribeQueue subscriptions;
    /** Uids held on this lane's loop: the broadcast channel is subscribed here while there are any. */
    int uids;
    volatile long lastCanaryNanos = System.nanoTime();
    volatile boolean replacingPubSub;
    /** Times the pub/sub connection was lost or replaced: each time, Redis may have lost its subscriptions. */
    final AtomicLong pubSubLosses = new AtomicLong();
    /** {@link #pubSubLosses} as a re-sync that then succeeded found it: the losses whose subscriptions were set right. */
    volatile long pubSubLossesResynced;

    RedisLane(int index, StatefulRedisConnection<String, byte[]> connection, TurnFlusher flusher) {
        this.index = index;
        this.connection = connection;
        this.commands = connection.async();
        this.written = flusher::written;
    }

    /**
     * Whether a line published to a uid subscribed here reaches this lane's loop, as far as the node can tell: its
     * pub/sub connection is open, not being replaced, not silent past {@code maxSilenceMillis}, and has not been
     * lost since the last re-sync. A connection that came back holds only what Lettuce re-subscribed, and a new one
     * nothing, until a re-sync has confirmed it.
     */
    boolean delivers(long maxSilenceMillis) {
        StatefulRedisPubSubConnection<String, byte[]> current = pubsub;
        return current != null && current.isOpen() && !replacingPubSub && canarySilenceMillis() <= maxSilenceMillis
                && pubSubLosses.get() == pubSubLossesResynced;
    }

    long canarySilenceMillis() {
        return (System.nanoTime() - lastCanaryNanos) / 1_000_000;
    }
}
