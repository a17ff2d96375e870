package io.pushline.broker.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.config.StartupException;
import io.pushline.common.netty.EventLoops;
import io.pushline.common.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The multi-node broker. Per uid: a channel {@code <prefix>:user:{uid}} and a presence sorted set
 * {@code <prefix>:presence:{uid}} in which every node holding the uid vouches for it until a time, refreshed
 * every third of the presence TTL. A clean leave removes the node's entry at once; a node that dies stops
 * refreshing and its entries pass their time within the TTL.
 *
 * <p>Ordering: transitions for one uid are dispatched under one lock, on one connection each, so Redis sees
 * SUBSCRIBE/UNSUBSCRIBE and presence writes in the order the gateway made them (subscriptions go through a
 * {@link SubscribeQueue}, which batches them per event-loop turn and keeps that order). Presence is written only
 * after the subscription is confirmed, so {@code ok} never precedes a live subscription; a confirmation that
 * arrives after the uid left (or rejoined) is ignored by generation.
 *
 * <p>Recovery: what failed while Redis was unreachable is remembered and set right by {@link #resync()} when a
 * connection comes back (every joined uid resubscribed and its presence re-asserted, every uid that left
 * unsubscribed and withdrawn). A pub/sub connection that is open but no longer receives (a network black hole,
 * a demoted master) is found by a canary the node publishes to itself, and replaced.
 *
 * <p>Publishing goes through a circuit breaker: while Redis fails, publishes fail at once.
 */
public final class RedisBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    /** Delay before retrying a resync or a pub/sub replacement that failed. */
    private static final Duration RETRY = Duration.ofMillis(250);
    /**
     * The longest delay between re-sync attempts. A re-sync writes every uid the node holds; retried every
     * {@link #RETRY} against a Redis that times out because it is overloaded (a reconnect storm of many nodes),
     * it would add the load that makes it fail. So the delay doubles per failure up to this.
     */
    static final Duration MAX_RESYNC_RETRY = Duration.ofSeconds(8);
    /** How often a node publishes its canary; and how long without one before its pub/sub counts as dead. */
    static final Duration CANARY_INTERVAL = Duration.ofSeconds(3);
    static final Duration CANARY_SILENCE = Duration.ofSeconds(10);

    private final RedisNames names;
    private final String nodeId;
    private final Duration presenceTtl;
    private final DeliveryListener listener;
    private final RedisConnections redis;
    private final RedisAsyncCommands<String, byte[]> commands;
    private final PublishBreaker breaker;
    /** After any command is written: flushes it with the others of its event-loop turn (see {@link TurnFlusher}). */
    private final Runnable written;
    private final boolean subscriber;

    // ---- subscriber state; all but the volatile flags are written under {@link #lock} ------------------------
    private final Object lock = new Object();
    private RedisPresence presence;
    private volatile StatefulRedisPubSubConnection<String, byte[]> pubsub;
    /** Every SUBSCRIBE and UNSUBSCRIBE after the start, batched per event-loop turn. */
    private SubscribeQueue subscriptions;
    /** Uids this node holds, with the generation of their latest subscribe. */
    private final Map<String, Long> joined = new ConcurrentHashMap<>();
    /** Uids that left while their unsubscribe or presence removal could not reach Redis. */
    private final Set<String> leftDirty = ConcurrentHashMap.newKeySet();
    private long generation;
    private volatile boolean dirty;
    /** True from the start of a re-sync until one succeeds: Redis does not match this node yet. */
    private volatile boolean resyncing;
    private volatile boolean replacingPubSub;
    /** Re-syncs failed in a row. */
    private final AtomicInteger resyncFailures = new AtomicInteger();
    private final AtomicBoolean resyncRetryPending = new AtomicBoolean();
    /** How long one presence refresh may take to send its slices: a quarter of the time between two. */
    private final Duration refreshSpread;
    /** True while a presence refresh is sending its slices. */
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile long lastCanaryNanos = System.nanoTime();
    private volatile boolean closed;
    /** Set by {@link #withdraw()}: no presence is written from then on. */
    private volatile boolean withdrawn;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();

    /**
     * A gateway node: publishes, subscribes the uids it holds and keeps their presence. Withdraws whatever
     * presence a previous life of {@code nodeId} left behind before it returns.
     *
     * @param loops the node's event loops: Lettuce runs on them, so messages reach {@code listener} on one of them
     * @throws StartupException when Redis cannot be reached
     */
    public RedisBroker(RedisOptions options, String nodeId, DeliveryListener listener, EventLoops loops) {
        this(options, nodeId, listener, loops, true);
    }

    /**
     * A node that only publishes (an ingest): no pub/sub connection, no presence of its own. Its publishes are
     * written to Redis in one batch per event-loop turn (see {@link TurnFlusher}).
     */
    public static RedisBroker publisher(RedisOptions options, String name, EventLoops loops) {
        return new RedisBroker(options, name, DeliveryListener.NONE, loops, false);
    }

    private RedisBroker(RedisOptions options, String nodeId, DeliveryListener listener, EventLoops loops, boolean subscriber) {
        this.names = options.names();
        this.nodeId = nodeId;
        this.presenceTtl = options.presenceTtl();
        this.refreshSpread = refreshEvery(presenceTtl).dividedBy(4);
        this.listener = listener;
        this.subscriber = subscriber;
        this.redis = new RedisConnections(options, loops);
        this.commands = redis.commands.async();
        this.breaker = new PublishBreaker(nodeId);
        this.written = new TurnFlusher(redis.commands, loops)::written;
        if (!subscriber) {
            return;
        }
        try {
            this.presence = new RedisPresence(commands, written, names, nodeId, presenceTtl);
            int withdrawn = presence.withdrawPreviousLife().get(options.commandTimeout().toMillis() * 4, TimeUnit.MILLISECONDS);
            if (withdrawn > 0) {
                log.info("redis broker {}: withdrew {} presence entries left by this node id's previous life", nodeId, withdrawn);
            }
            this.pubsub = attach(redis.connectPubSub().get(RedisConnections.CONNECT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS));
            pubsub.sync().subscribe(names.canaryChannel(nodeId));
            this.subscriptions = new SubscribeQueue(lock, () -> pubsub, loops);
        } catch (Exception e) {
            redis.close();
            throw StartupException.of("cannot set up node " + nodeId + " in Redis at " + options.masked(), e);
        }
        redis.commands.addListener(new Reconnects());
        long every = refreshEvery(presenceTtl).toMillis();
        timers.add(redis.resources.eventExecutorGroup().scheduleAtFixedRate(this::refreshPresence, every, every, TimeUnit.MILLISECONDS));
        timers.add(redis.resources.eventExecutorGroup().scheduleAtFixedRate(this::checkCanary,
                CANARY_INTERVAL.toMillis(), CANARY_INTERVAL.toMillis(), TimeUnit.MILLISECONDS));
    }

    private StatefulRedisPubSubConnection<String, byte[]> attach(StatefulRedisPubSubConnection<String, byte[]> connection) {
        connection.addListener(new Receiver());
        connection.addListener(new Reconnects());
        return connection;
    }

    // ---- publishing side ------------------------------------------------------------------------------------

    /**
     * {@code EXISTS} on the uid's presence key and {@code PUBLISH} to its channel, written together; {@code true}
     * only when both say so. Presence alone is not enough: it outlives a pub/sub connection that is being
     * replaced. Receivers alone are not enough: a frozen node's subscription outlives its entries, and an
     * operator's {@code SUBSCRIBE} is a receiver too. A line for an offline uid is published to no gateway, as the
     * seed sent it to no one. The pair is not atomic and need not be: the gateway writes presence only after its
     * subscription is confirmed, so in the moment between the two replies it can only answer {@code false} for a
     * page that did receive the line, as the seed could for a page that had just connected.
     *
     * <p>No script: {@code EVALSHA} of the former presence-and-publish script cost Redis about 7 µs of CPU per push
     * where these two cost about 3 (docs/benchmarks.md).
     */
    @Override
    public CompletableFuture<Boolean> publish(String uid, byte[] line) {
        return breaker.call(() -> {
            CompletableFuture<Long> vouched = commands.exists(names.presenceKey(uid)).toCompletableFuture();
            CompletableFuture<Long> receivers = commands.publish(names.userChannel(uid), line).toCompletableFuture();
            written.run();
            return vouched.thenCombine(receivers, (nodes, subscribers) -> nodes > 0 && subscribers > 0);
        });
    }

    @Override
    public CompletableFuture<Boolean> broadcast(byte[] line) {
        return breaker.call(() -> {
            CompletableFuture<Long> nodes = commands.publish(names.broadcastChannel(), line).toCompletableFuture();
            written.run();
            return nodes;
        }).thenApply(nodes -> nodes > 0);
    }

    // ---- subscribing side -----------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Void> subscribe(String uid) {
        requireSubscriber();
        CompletableFuture<Void> online = new CompletableFuture<>();
        long gen;
        CompletableFuture<Void> subscribed;
        synchronized (lock) {
            gen = ++generation;
            leftDirty.remove(uid);
            joined.put(uid, gen);
            subscribed = subscriptions.subscribe(names.userChannel(uid));
            if (joined.size() == 1) {
                subscriptions.subscribe(names.broadcastChannel()).exceptionally(this::markDirty);
            }
        }
        subscribed.whenComplete((ok, error) -> {
            if (error != null) {
                markDirty(error);
                online.completeExceptionally(error);
                return;
            }
            CompletableFuture<Void> added;
            synchronized (lock) {
                Long current = joined.get(uid);
                if (current == null || current != gen || withdrawn) {
                    online.complete(null); // left or rejoined meanwhile (the later transition decides), or withdrawn
                    return;
                }
                added = presence.add(uid);
            }
            added.whenComplete((v, e) -> {
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
    public CompletableFuture<Void> unsubscribe(String uid) {
        requireSubscriber();
        synchronized (lock) {
            if (joined.remove(uid) == null || withdrawn) {
                // Withdrawn: the presence is gone already, and close() drops the subscriptions with their connection.
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> offline = presence.remove(uid);
            CompletableFuture<Void> unsubscribed = subscriptions.unsubscribe(names.userChannel(uid));
            offline.exceptionally(e -> leftDirty(uid, e));
            unsubscribed.exceptionally(e -> leftDirty(uid, e));
            if (joined.isEmpty()) {
                subscriptions.unsubscribe(names.broadcastChannel()).exceptionally(this::markDirty);
            }
            return CompletableFuture.allOf(offline, unsubscribed);
        }
    }

    private void requireSubscriber() {
        if (!subscriber) {
            throw new UnsupportedOperationException("redis broker " + nodeId + " only publishes");
        }
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

    /**
     * Writes a uid's presence only if the node still holds it, checked under the lock that orders joins and
     * leaves: a refresh or re-sync that reaches a uid after it left must not vouch for it again.
     */
    private CompletableFuture<?> whileJoined(String uid, Function<String, CompletableFuture<?>> write) {
        synchronized (lock) {
            return joined.containsKey(uid) && !withdrawn ? write.apply(uid) : CompletableFuture.completedFuture(null);
        }
    }

    /** Every third of the TTL: vouch again for every uid held, and retry a pending resync. */
    private void refreshPresence() {
        try {
            if (dirty) {
                if (!resyncRetryPending.get()) {
                    resync(); // else the pending retry re-syncs, on its back-off
                }
                return;
            }
            if (resyncing) {
                return; // the re-sync writes presence itself, after the subscriptions it waits for
            }
            if (!refreshing.compareAndSet(false, true)) {
                return; // the previous refresh is still going (a slow Redis): it vouches for the same uids
            }
            presence.refreshNodeList().exceptionally(this::markDirty);
            List<String> held = new ArrayList<>(joined.keySet());
            Slices.each(held, uid -> whileJoined(uid, presence::touch), refreshSpread, redis.resources.eventExecutorGroup())
                    .whenComplete((v, e) -> {
                        refreshing.set(false);
                        if (e != null) {
                            markDirty(e);
                        }
                    });
        } catch (RuntimeException e) {
            // An exception escaping a scheduled task cancels every later run: never let one out.
            log.error("redis broker {}: presence refresh failed", nodeId, e);
        }
    }

    /**
     * Publishes the canary, and replaces the pub/sub connection when canaries published successfully have
     * stopped arriving: the connection is open but deaf.
     */
    private void checkCanary() {
        try {
            if (closed || replacingPubSub) {
                return;
            }
            RedisFuture<Long> published = commands.publish(names.canaryChannel(nodeId), new byte[] {'1'});
            written.run();
            published.thenAccept(receivers -> {
                long silentMs = (System.nanoTime() - lastCanaryNanos) / 1_000_000;
                if (silentMs > CANARY_SILENCE.toMillis() && !replacingPubSub && !closed) {
                    log.warn("redis broker {}: pub/sub connection received nothing for {} ms while Redis answers commands "
                            + "(Redis sees {} subscribers of the canary); replacing it", nodeId, silentMs, receivers);
                    replacePubSub();
                }
            });
        } catch (RuntimeException e) {
            log.error("redis broker {}: canary check failed", nodeId, e);
        }
    }

    private void replacePubSub() {
        StatefulRedisPubSubConnection<String, byte[]> deaf;
        synchronized (lock) {
            replacingPubSub = true;
            dirty = true;
            deaf = pubsub;
        }
        deaf.closeAsync();
        redis.connectPubSub().whenComplete((fresh, e) -> {
            if (closed) {
                if (fresh != null) {
                    fresh.closeAsync();
                }
                return;
            }
            if (e != null) {
                log.warn("redis broker {}: could not open a new pub/sub connection ({}); retrying", nodeId, e.getMessage());
                redis.resources.eventExecutorGroup().schedule(this::replacePubSub, RETRY.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            synchronized (lock) {
                pubsub = attach(fresh);
                lastCanaryNanos = System.nanoTime();
                replacingPubSub = false;
            }
            log.info("redis broker {}: pub/sub connection replaced", nodeId);
            resync();
        });
    }

    /**
     * Makes Redis match this node's state: subscriptions and presence for every joined uid, none for the uids
     * that left while Redis could not be told. Idempotent; retried until it succeeds.
     */
    void resync() {
        if (closed || replacingPubSub) {
            return;
        }
        resyncing = true;
        dirty = false; // cleared first, so that a failure during the re-sync is not lost
        List<CompletableFuture<?>> confirmed = new ArrayList<>();
        synchronized (lock) {
            for (String uid : leftDirty) {
                CompletableFuture<Void> cleared = CompletableFuture.allOf(presence.remove(uid),
                        subscriptions.unsubscribe(names.userChannel(uid)));
                confirmed.add(cleared.thenRun(() -> leftDirty.remove(uid)));
            }
            List<String> channels = new ArrayList<>(joined.size() + 2);
            channels.add(names.canaryChannel(nodeId));
            if (!joined.isEmpty()) {
                channels.add(names.broadcastChannel());
            }
            joined.keySet().forEach(uid -> channels.add(names.userChannel(uid)));
            CompletableFuture<Void> previous = null;
            for (String channel : channels) {
                CompletableFuture<Void> batch = subscriptions.subscribe(channel);
                if (batch != previous) { // one future per command, shared by its channels
                    confirmed.add(batch);
                    previous = batch;
                }
            }
        }
        // Presence only once every subscription is confirmed: the command connection may be back before the
        // pub/sub one, and presence written first would let the ingest answer ok for lines nobody receives.
        CompletableFuture.allOf(confirmed.toArray(CompletableFuture[]::new))
                .thenCompose(v -> Slices.each(new ArrayList<>(joined.keySet()), uid -> whileJoined(uid, presence::add)))
                .thenCompose(v -> presence.refreshNodeList())
                .whenComplete((v, e) -> resyncDone(e));
    }

    private void resyncDone(Throwable e) {
        if (e == null) {
            resyncing = false;
            resyncFailures.set(0);
            log.info("redis broker {}: re-synced {} uids with Redis", nodeId, joined.size());
            return;
        }
        dirty = true;
        int failures = resyncFailures.incrementAndGet();
        // One retry pending at a time: every failed attempt (a refresh tick, a reconnect) would otherwise start a
        // retry chain of its own, and an outage would multiply them.
        if (!closed && resyncRetryPending.compareAndSet(false, true)) {
            long delay = resyncDelayMillis(failures);
            if (Integer.bitCount(failures) == 1) { // 1, 2, 4, 8, ... failures: a line per doubling, not per try
                log.warn("redis broker {}: re-sync of {} uids failed ({} in a row: {}); retrying every {} ms at most",
                        nodeId, joined.size(), failures, e.getMessage(), delay);
            }
            redis.resources.eventExecutorGroup().schedule(() -> {
                resyncRetryPending.set(false);
                resync();
            }, delay, TimeUnit.MILLISECONDS);
        }
    }

    /** A third of the TTL: an entry survives two refreshes lost in a row. */
    private static Duration refreshEvery(Duration presenceTtl) {
        return Duration.ofMillis(Math.max(100, presenceTtl.toMillis() / 3));
    }

    /** {@link #RETRY} doubled per failure in a row, at most {@link #MAX_RESYNC_RETRY}. */
    static long resyncDelayMillis(int failuresInARow) {
        int doublings = Math.min(Math.max(failuresInARow - 1, 0), 16);
        return Math.min(RETRY.toMillis() << doublings, MAX_RESYNC_RETRY.toMillis());
    }

    /** Removes this node's entry for every uid it holds, in slices; refreshes and re-syncs write none after this. */
    @Override
    public CompletableFuture<Void> withdraw() {
        requireSubscriber();
        List<String> held;
        synchronized (lock) {
            withdrawn = true;
            held = new ArrayList<>(joined.keySet());
        }
        return Slices.each(held, presence::remove);
    }

    @Override
    public boolean isHealthy() {
        if (closed || !redis.commands.isOpen()) {
            return false;
        }
        if (!subscriber) {
            return true;
        }
        boolean canaryFresh = System.nanoTime() - lastCanaryNanos <= CANARY_SILENCE.toNanos();
        return !dirty && !resyncing && !replacingPubSub && pubsub.isOpen() && canaryFresh;
    }

    @Override
    public String describe() {
        return "redis broker (node " + nodeId + ", prefix " + names.prefix() + ", presence ttl " + presenceTtl.toSeconds() + "s)";
    }

    /** The publish circuit's state, for metrics and readiness. */
    public io.github.resilience4j.circuitbreaker.CircuitBreaker.State publishCircuitState() {
        return breaker.state();
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
        timers.forEach(t -> t.cancel(false));
        if (subscriber) {
            List<String> held;
            synchronized (lock) {
                held = new ArrayList<>(joined.keySet());
                joined.clear();
            }
            try {
                // In slices: written at once, a node's every uid would overflow the command queue past 32k uids.
                Slices.each(held, presence::remove).get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("redis broker {}: could not remove all presence on close ({}); it expires within {}s",
                        nodeId, e.toString(), presenceTtl.toSeconds());
            }
            pubsub.close();
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
                } else if (channel.equals(names.canaryChannel(nodeId))) {
                    lastCanaryNanos = System.nanoTime();
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
