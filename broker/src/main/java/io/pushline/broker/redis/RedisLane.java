package io.pushline.broker.redis;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;

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

    RedisLane(int index, StatefulRedisConnection<String, byte[]> connection, TurnFlusher flusher) {
        this.index = index;
        this.connection = connection;
        this.commands = connection.async();
        this.written = flusher::written;
    }

    long canarySilenceMillis() {
        return (System.nanoTime() - lastCanaryNanos) / 1_000_000;
    }
}
