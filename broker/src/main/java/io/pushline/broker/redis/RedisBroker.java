package io.pushline.broker.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The multi-node broker. Per uid: a channel {@code <prefix>:user:{uid}} and a presence sorted set
 * {@code <prefix>:presence:{uid}} in which every node holding the uid vouches for it until a time, refreshed
 * every third of the presence TTL. A clean leave removes the node's entry at once; a node that dies stops
 * refreshing and its entries pass their time within the TTL.
 *
 * <p>Ordering: transitions for one uid are dispatched under one lock, on one connection each, so Redis sees
 * SUBSCRIBE/UNSUBSCRIBE and presence writes in the order the gateway made them. Presence is written only after
 * the subscription is confirmed, so {@code ok} never precedes a live subscription; a confirmation that arrives
 * after the uid left (or rejoined) is ignored by generation.
 *
 * <p>Recovery: anything that failed while Redis was unreachable is remembered and set right by
 * {@link #resync()} when a connection comes back: every joined uid resubscribed and its presence re-asserted,
 * every left uid unsubscribed and its presence removed.
 */
public final class RedisBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    private static final LuaScript PUSH = LuaScript.load("push.lua");
    private static final LuaScript TOUCH = LuaScript.load("touch.lua");
    /** Channels per SUBSCRIBE when resubscribing many uids at once. */
    private static final int RESUBSCRIBE_BATCH = 512;
    /** Delay before retrying a resync that failed (Redis accepting connections but not yet commands). */
    private static final Duration RESYNC_RETRY = Duration.ofMillis(250);

    private final RedisNames names;
    private final String nodeId;
    private final byte[] nodeIdBytes;
    private final byte[] ttlMillis;
    private final Duration presenceTtl;
    private final DeliveryListener listener;
    private final RedisConnections redis;
    private final RedisAsyncCommands<String, byte[]> commands;

    private final Object lock = new Object();
    /** Uids this node holds, with the generation of their latest subscribe. Written under {@link #lock}. */
    private final Map<String, Long> joined = new ConcurrentHashMap<>();
    /** Uids that left while their unsubscribe or presence removal could not reach Redis. */
    private final Set<String> leftDirty = ConcurrentHashMap.newKeySet();
    private long generation;
    private volatile boolean dirty;
    private volatile boolean closed;
    private final ScheduledFuture<?> heartbeat;

    public RedisBroker(RedisOptions options, String nodeId, DeliveryListener listener) {
        this.names = options.names();
        this.nodeId = nodeId;
        this.nodeIdBytes = nodeId.getBytes(StandardCharsets.UTF_8);
        this.presenceTtl = options.presenceTtl();
        this.ttlMillis = Long.toString(presenceTtl.toMillis()).getBytes(StandardCharsets.US_ASCII);
        this.listener = listener;
        this.redis = new RedisConnections(options);
        this.commands = redis.commands.async();
        redis.pubsub.addListener(new Receiver());
        Reconnects reconnects = new Reconnects();
        redis.pubsub.addListener(reconnects);
        redis.commands.addListener(reconnects);
        long every = Math.max(100, presenceTtl.toMillis() / 3);
        this.heartbeat = redis.resources.eventExecutorGroup()
                .scheduleAtFixedRate(this::refreshPresence, every, every, TimeUnit.MILLISECONDS);
    }

    // ---- publishing side ------------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Boolean> publish(String uid, byte[] line) {
        return PUSH.run(commands, new String[] {names.presenceKey(uid), names.userChannel(uid)}, line)
                .thenApply(published -> published == 1L);
    }

    @Override
    public CompletableFuture<Boolean> broadcast(byte[] line) {
        return commands.publish(names.broadcastChannel(), line).toCompletableFuture().thenApply(nodes -> nodes > 0);
    }

    // ---- subscribing side -----------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Void> subscribe(String uid) {
        CompletableFuture<Void> online = new CompletableFuture<>();
        long gen;
        CompletableFuture<Void> subscribed;
        synchronized (lock) {
            gen = ++generation;
            leftDirty.remove(uid);
            joined.put(uid, gen);
            subscribed = redis.pubsub.async().subscribe(names.userChannel(uid)).toCompletableFuture();
            if (joined.size() == 1) {
                redis.pubsub.async().subscribe(names.broadcastChannel()).exceptionally(this::markDirty);
            }
        }
        subscribed.whenComplete((ok, error) -> {
            if (error != null) {
                markDirty(error);
                online.completeExceptionally(error);
                return;
            }
            CompletableFuture<Long> touched;
            synchronized (lock) {
                Long current = joined.get(uid);
                if (current == null || current != gen) {
                    online.complete(null); // left or rejoined meanwhile: the later transition decides
                    return;
                }
                touched = touch(uid);
            }
            touched.whenComplete((n, e) -> {
                if (e != null) {
                    markDirty(e);
                    online.completeExceptionally(e);
                } else {
                    online.complete(null);
                }
            });
        });
        return online;
    }

    @Override
    public void unsubscribe(String uid) {
        synchronized (lock) {
            if (joined.remove(uid) == null) {
                return;
            }
            removePresence(uid).exceptionally(e -> leftDirty(uid, e));
            redis.pubsub.async().unsubscribe(names.userChannel(uid)).exceptionally(e -> leftDirty(uid, e));
            if (joined.isEmpty()) {
                redis.pubsub.async().unsubscribe(names.broadcastChannel()).exceptionally(this::markDirty);
            }
        }
    }

    private CompletableFuture<Long> touch(String uid) {
        return TOUCH.run(commands, new String[] {names.presenceKey(uid)}, nodeIdBytes, ttlMillis);
    }

    private CompletableFuture<Long> removePresence(String uid) {
        return commands.zrem(names.presenceKey(uid), nodeIdBytes).toCompletableFuture();
    }

    private <T> T markDirty(Throwable e) {
        if (!closed && !dirty) {
            dirty = true;
            log.warn("redis broker {}: a Redis command failed ({}); state will be re-synced when Redis answers", nodeId, e.getMessage());
        }
        return null;
    }

    private <T> T leftDirty(String uid, Throwable e) {
        synchronized (lock) {
            if (!joined.containsKey(uid)) {
                leftDirty.add(uid);
            }
        }
        return markDirty(e);
    }

    /** Every third of the TTL: vouch again for every uid held, and retry a pending resync. */
    private void refreshPresence() {
        try {
            if (dirty) {
                resync();
                return;
            }
            for (String uid : joined.keySet()) {
                touch(uid).exceptionally(this::markDirty);
            }
        } catch (RuntimeException e) {
            // An exception escaping a scheduled task cancels every later run: never let one out.
            log.error("redis broker {}: presence refresh failed", nodeId, e);
        }
    }

    /**
     * Makes Redis match this node's state: subscriptions and presence for every joined uid, none for the uids
     * that left while Redis could not be told. Idempotent; retried until it succeeds.
     */
    void resync() {
        if (closed) {
            return;
        }
        dirty = false;
        List<CompletableFuture<?>> steps = new ArrayList<>();
        List<String> channels = new ArrayList<>(RESUBSCRIBE_BATCH);
        synchronized (lock) {
            for (String uid : leftDirty) {
                CompletableFuture<Void> cleared = CompletableFuture.allOf(removePresence(uid),
                        redis.pubsub.async().unsubscribe(names.userChannel(uid)).toCompletableFuture());
                steps.add(cleared.thenRun(() -> leftDirty.remove(uid)));
            }
            if (!joined.isEmpty()) {
                channels.add(names.broadcastChannel());
            }
            for (String uid : joined.keySet()) {
                channels.add(names.userChannel(uid));
                if (channels.size() == RESUBSCRIBE_BATCH) {
                    steps.add(redis.pubsub.async().subscribe(channels.toArray(String[]::new)).toCompletableFuture());
                    channels.clear();
                }
                steps.add(touch(uid));
            }
            if (!channels.isEmpty()) {
                steps.add(redis.pubsub.async().subscribe(channels.toArray(String[]::new)).toCompletableFuture());
            }
        }
        CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
            if (e != null) {
                dirty = true;
                if (!closed) {
                    redis.resources.eventExecutorGroup().schedule(this::resync, RESYNC_RETRY.toMillis(), TimeUnit.MILLISECONDS);
                }
            } else {
                log.info("redis broker {}: re-synced {} uids with Redis", nodeId, joined.size());
            }
        });
    }

    @Override
    public boolean isHealthy() {
        return !closed && !dirty && redis.isOpen();
    }

    @Override
    public String describe() {
        return "redis broker (node " + nodeId + ", prefix " + names.prefix() + ", presence ttl " + presenceTtl.toSeconds() + "s)";
    }

    /** Number of uids this node holds; for metrics and tests. */
    public int subscribedUids() {
        return joined.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        heartbeat.cancel(false);
        List<CompletableFuture<?>> removals = new ArrayList<>();
        synchronized (lock) {
            for (String uid : joined.keySet()) {
                removals.add(removePresence(uid));
            }
            joined.clear();
        }
        try {
            CompletableFuture.allOf(removals.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("redis broker {}: could not remove all presence on close ({}); it expires within {}s",
                    nodeId, e.toString(), presenceTtl.toSeconds());
        }
        redis.close();
    }

    /** Hands published lines to the listener; a listener bug is logged, never allowed to break the connection. */
    private final class Receiver extends RedisPubSubAdapter<String, byte[]> {
        @Override
        public void message(String channel, byte[] message) {
            try {
                if (channel.equals(names.broadcastChannel())) {
                    listener.onBroadcast(message);
                    return;
                }
                String uid = names.uidOfUserChannel(channel);
                if (uid != null) {
                    listener.onPush(uid, message);
                }
            } catch (RuntimeException e) {
                log.error("redis broker {}: delivery listener failed on channel {}", nodeId, channel, e);
            }
        }
    }

    /** After any reconnect, Redis may have lost everything (a restart with empty data): set it right. */
    private final class Reconnects implements RedisConnectionStateListener {
        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
            if (!closed) {
                log.info("redis broker {}: connected to Redis at {}", nodeId, address);
                redis.resources.eventExecutorGroup().execute(RedisBroker.this::resync);
            }
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            if (!closed) {
                dirty = true;
                log.warn("redis broker {}: lost a Redis connection; reconnecting", nodeId);
            }
        }
    }
}
