package io.pushline.broker.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.pushline.common.redis.RedisNames;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A gateway node's presence writes over one lane's command connection (the node has one per lane, and writes a
 * uid's presence always over the same one). Per uid, the node vouches in {@code presence:{uid}} until a time on
 * Redis's clock, and the key expires with its longest-lived entry, so that it exists exactly while some node
 * vouches (a push asks only {@code EXISTS}). Besides, it lists its uids in {@code node:{id}:uids}, so that after a
 * crash its next life can withdraw what the previous one left behind. The two live in different Cluster slots and
 * are written by separate commands, never by one script. Thread-safe (Lettuce's async API is).
 *
 * <p>Every command is followed by a call to {@code written}, which flushes it: at once, or with the other commands
 * of its event-loop turn (the presence of the many pages a node takes in one turn leaves in one write).
 */
final class RedisPresence {

    private static final LuaScript TOUCH = LuaScript.load("touch.lua");
    private static final LuaScript LEAVE = LuaScript.load("leave.lua");
    private static final LuaScript EXTEND = LuaScript.load("extend.lua");
    /** Uids whose join or leave may wait per lane: far more than one node holds (20,000 per process here). */
    private static final int MAX_WAITING = 1 << 20;

    private final RedisAsyncCommands<String, byte[]> redis;
    private final RedisNames names;
    private final String nodeUidsKey;
    private final byte[] nodeId;
    private final byte[] ttlMillis;
    private final Duration ttl;
    private final Runnable written;
    private final PresenceQueue queue;
    /** Set when the node withdraws everything it holds: its list then goes whole, after the last leave. */
    private volatile boolean leavingAll;

    RedisPresence(RedisAsyncCommands<String, byte[]> redis, Runnable written, RedisNames names, String nodeId, Duration ttl,
                  String queueName) {
        this.queue = new PresenceQueue(queueName, this::writeAdd, this::writeRemove, MAX_WAITING);
        this.redis = redis;
        this.written = written;
        this.names = names;
        this.nodeUidsKey = names.nodeUidsKey(nodeId);
        this.nodeId = nodeId.getBytes(StandardCharsets.UTF_8);
        this.ttl = ttl;
        this.ttlMillis = Long.toString(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Vouches for {@code uid} until now + TTL, and lists it as this node's: written through the lane's
     * {@link PresenceQueue}, as {@link #remove} is, so that a burst of joins or leaves waits there rather than in
     * Redis's input.
     */
    CompletableFuture<Void> add(String uid) {
        return queue.join(uid);
    }

    private CompletableFuture<Void> writeAdd(String uid) {
        return CompletableFuture.allOf(touch(uid), flushed(redis.sadd(nodeUidsKey, bytes(uid))));
    }

    /** Vouches again, without touching the node's list (the heartbeat's job for every uid held). */
    CompletableFuture<Long> touch(String uid) {
        return TOUCH.run(redis, written, new String[] {names.presenceKey(uid)}, nodeId, ttlMillis);
    }

    /**
     * Vouches again only if the node's entry exists and has not passed its time; never creates one (see
     * {@code extend.lua}). For a node that Redis may not match, whose entries only a re-sync may create.
     *
     * @return 1 when the entry was extended, 0 when there was none
     */
    CompletableFuture<Long> extend(String uid) {
        return EXTEND.run(redis, written, new String[] {names.presenceKey(uid)}, nodeId, ttlMillis);
    }

    /** Stops vouching for {@code uid} and drops it from the node's list; see {@link #add}. */
    CompletableFuture<Void> remove(String uid) {
        return queue.leave(uid);
    }

    private CompletableFuture<Void> writeRemove(String uid) {
        if (leavingAll) {
            return leave(uid).thenApply(left -> null);
        }
        return CompletableFuture.allOf(leave(uid), flushed(redis.srem(nodeUidsKey, bytes(uid))));
    }

    /**
     * From now on a {@link #remove} leaves the node's list alone: the node is withdrawing everything, and deletes the
     * list with one {@link #forgetNodeList()} once every leave is answered, half the commands of a leave per uid.
     */
    void leavingAll() {
        leavingAll = true;
    }

    /** Deletes the node's list: after every entry on it has been withdrawn, never before (a crash would orphan them). */
    CompletableFuture<Long> forgetNodeList() {
        return flushed(redis.del(nodeUidsKey));
    }

    /** Joins and leaves waiting to be written, and written but unanswered. */
    int queued() {
        return queue.waiting() + queue.inFlight();
    }

    private CompletableFuture<Long> leave(String uid) {
        return LEAVE.run(redis, written, new String[] {names.presenceKey(uid)}, nodeId);
    }

    /** The node's list lives as long as its entries could: refreshed with them. */
    CompletableFuture<Boolean> refreshNodeList() {
        return flushed(redis.pexpire(nodeUidsKey, ttl.toMillis()));
    }

    /**
     * Withdraws every entry a previous life of this node id left behind (it crashed, or lost Redis while it
     * stopped), then forgets its list. Called once at start, before the node takes connections.
     *
     * @return how many uids were withdrawn
     */
    CompletableFuture<Integer> withdrawPreviousLife() {
        return flushed(redis.smembers(nodeUidsKey)).thenCompose(previous -> Slices.each(List.copyOf(previous),
                        uid -> leave(new String(uid, StandardCharsets.UTF_8)))
                .thenCompose(v -> forgetNodeList())
                .thenApply(v -> previous.size()));
    }

    private <T> CompletableFuture<T> flushed(RedisFuture<T> command) {
        written.run();
        return command.toCompletableFuture();
    }

    private static byte[] bytes(String uid) {
        return uid.getBytes(StandardCharsets.UTF_8);
    }
}
