package io.pushline.broker.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.config.StartupException;
import io.pushline.common.log.LogThrottle;
import io.pushline.common.netty.EventLoops;
import io.pushline.common.redis.RedisNames;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The multi-node broker. Per uid: a channel {@code <prefix>:user:{uid}} and a presence sorted set
 * {@code <prefix>:presence:{uid}} in which every node holding the uid vouches for it until a time, refreshed
 * every third of the presence TTL. A clean leave removes the node's entry at once; a node that dies stops
 * refreshing and its entries pass their time within the TTL.
 *
 * <p>Lanes: the node talks to Redis over one {@link RedisLane} per event loop. A publish goes out on the lane of
 * the loop it is called on, and its replies come back there. A uid is subscribed on the lane of each loop that holds
 * a page of it, so its lines arrive on the loop that writes them to the pages, and the {@link DeliveryListener} is
 * told which loop that is. A uid with pages on two loops is subscribed on both lanes and Redis sends its lines to
 * each. The broadcast channel is subscribed on every lane whose loop holds a uid. Presence is the node's, written
 * for a uid always on the same lane (by its hash), so its writes stay in order.
 *
 * <p>Ordering: transitions are dispatched under one lock, so Redis sees each lane's SUBSCRIBE/UNSUBSCRIBE and a
 * uid's presence writes in the order the gateway made them (subscriptions go through the lane's
 * {@link SubscribeQueue}, which batches them per event-loop turn and keeps that order). A page receives its pushes
 * and broadcasts in the order they were published: they come over its lane's one connection. Presence is written
 * only after a subscription is confirmed, so {@code ok} never precedes a live subscription; a confirmation that
 * arrives after the uid left the node (or its lane) is ignored.
 *
 * <p>Recovery: what failed while Redis was unreachable is remembered and set right by a re-sync ({@link ResyncRuns}) when a
 * connection comes back (every joined uid resubscribed and its presence re-asserted, every uid that left
 * unsubscribed and withdrawn). Until then the presence refresh only extends existing entries, of the uids whose
 * every lane still receives, so one lane that cannot reconnect takes only its own uids offline. A pub/sub connection that is open but no longer receives (a network black hole,
 * a demoted master) is found by a canary the node publishes to itself, which every lane receives, and replaced.
 *
 * <p>Publishing goes through a circuit breaker: while Redis fails, publishes fail at once.
 */
public final class RedisBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);
    /** Delay before retrying a pub/sub replacement that failed. */
    private static final Duration RETRY = ResyncRuns.RETRY;
    /** How often a node publishes its canary; and how long without one before a pub/sub connection counts as dead. */
    static final Duration CANARY_INTERVAL = Duration.ofSeconds(3);
    static final Duration CANARY_SILENCE = Duration.ofSeconds(10);
    /** At most one line per connection per this about its losses and reconnects (each failed attempt repeats them). */
    private static final Duration RECONNECT_LOG = Duration.ofSeconds(30);

    private final RedisNames names;
    private final String nodeId;
    private final Duration presenceTtl;
    private final DeliveryListener listener;
    private final EventLoops loops;
    private final RedisConnections redis;
    private final List<RedisLane> lanes = new ArrayList<>();
    private final PublishBreaker breaker;
    private final boolean subscriber;

    // ---- subscriber state; all but the volatile flags are written under {@link #lock} ------------------------
    private final Object lock = new Object();
    /** Uids this node holds: on which lanes, and since which join. */
    private final Map<String, Held> joined = new ConcurrentHashMap<>();
    /**
     * Uids that left (the node, or a lane) while an unsubscribe or presence removal could not reach Redis, each with
     * the number of its note: a re-sync that has set a uid right drops its note only if no newer one was taken since.
     * A uid that joins again keeps its note: the lane it left may still be subscribed (Lettuce re-subscribes on
     * reconnect every channel it knew), and only the re-sync unsubscribes it there.
     */
    private final Map<String, Long> leftDirty = new ConcurrentHashMap<>();
    private final AtomicLong leftNotes = new AtomicLong();
    private long generation;
    private volatile boolean dirty;
    /** True from the start of a re-sync until one succeeds: Redis does not match this node yet. */
    private volatile boolean resyncing;
    /** The re-syncs of every uid held: one at a time, retried with back-off (see {@link ResyncRuns}). */
    private final ResyncRuns resyncRuns;
    /** How long one presence refresh may take to send its slices: a quarter of the time between two. */
    private final Duration refreshSpread;
    /** The presence refreshes, one at a time, back to back when one outlasts its period. */
    private final RefreshRuns refreshes;
    /** Uids one of whose commands failed while Redis answered, each re-synced alone rather than the whole node. */
    private final UidResyncs uidResyncs;
    private final AtomicLong pubSubReplacements = new AtomicLong();
    private volatile boolean closed;
    /** Set by {@link #withdraw()}: no presence is written from then on. */
    private volatile boolean withdrawn;
    /** The withdrawal {@link #withdraw()} started, which {@link #close()} waits for rather than writing it again. Guarded by {@link #lock}. */
    private CompletableFuture<Void> withdrawal;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private final LogThrottle failureLog = new LogThrottle(Duration.ofSeconds(30));
    private final LogThrottle replaceLog = new LogThrottle(Duration.ofSeconds(30));
    private final LogThrottle staleRefreshLog = new LogThrottle(Duration.ofSeconds(30));
    /** Attempts in a row to open a pub/sub connection that failed, over all lanes; for the back-off and the log. */
    private final AtomicInteger replaceFailures = new AtomicInteger();

    /** A uid this node holds. Guarded by {@link #lock}. */
    private static final class Held {
        /** Set when the node took the uid; a confirmation from before a leave of the whole node does not match. */
        final long generation;
        /** The lanes whose loops hold a page of the uid. */
        final BitSet lanes = new BitSet();

        Held(long generation) {
            this.generation = generation;
        }
    }

    /**
     * A gateway node: publishes, subscribes the uids it holds and keeps their presence. Withdraws whatever
     * presence a previous life of {@code nodeId} left behind before it returns.
     *
     * @param loops the node's event loops: one lane per loop, whose lines reach {@code listener} on that loop
     * @throws StartupException when Redis cannot be reached
     */
    public RedisBroker(RedisOptions options, String nodeId, DeliveryListener listener, EventLoops loops) {
        this(options, nodeId, listener, loops, true);
    }

    /**
     * A node that only publishes (an ingest): no pub/sub connection, no presence of its own. Its publishes are
     * written to Redis in one batch per event-loop turn (see {@link TurnFlusher}), on the calling loop's lane.
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
        this.loops = loops;
        this.subscriber = subscriber;
        this.redis = new RedisConnections(options, loops);
        this.refreshes = new RefreshRuns("redis broker " + nodeId, refreshEvery(presenceTtl), presenceTtl, this::refresh,
                () -> !closed && !withdrawn, redis.resources.eventExecutorGroup());
        this.uidResyncs = new UidResyncs("redis broker " + nodeId, redis.resources.eventExecutorGroup(), this::inStepWithRedis,
                this::resyncOne, this::leftDirty);
        this.resyncRuns = new ResyncRuns("redis broker " + nodeId, redis.resources.eventExecutorGroup(), this::resync,
                () -> !closed, () -> allConnectionsOpen() && !replacingPubSub(), () -> dirty, () -> joined.size());
        for (int i = 0; i < redis.lanes(); i++) {
            StatefulRedisConnection<String, byte[]> connection = redis.commands.get(i);
            lanes.add(new RedisLane(i, connection, new TurnFlusher(connection, loops)));
        }
        this.breaker = new PublishBreaker(nodeId);
        if (!subscriber) {
            return;
        }
        try {
            for (RedisLane lane : lanes) {
                lane.presence = new RedisPresence(lane.commands, lane.written, names, nodeId, presenceTtl,
                        "redis broker " + nodeId + " lane " + lane.index);
            }
            int withdrawn = lanes.get(0).presence.withdrawPreviousLife().get(options.commandTimeout().toMillis() * 4, TimeUnit.MILLISECONDS);
            if (withdrawn > 0) {
                log.info("redis broker {}: withdrew {} presence entries left by this node id's previous life", nodeId, withdrawn);
            }
            for (RedisLane lane : lanes) {
                lane.pubsub = attach(lane, redis.connectPubSub(lane.index).get(RedisConnections.CONNECT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS));
                lane.pubsub.sync().subscribe(names.canaryChannel(nodeId));
                lane.subscriptions = new SubscribeQueue(lock, () -> lane.pubsub, loops);
            }
        } catch (Exception e) {
            lanes.forEach(lane -> {
                if (lane.pubsub != null) {
                    lane.pubsub.close();
                }
            });
            redis.close();
            throw StartupException.of("cannot set up node " + nodeId + " in Redis at " + options.masked(), e);
        }
        lanes.forEach(lane -> lane.connection.addListener(new Reconnects("command connection of lane " + lane.index, null)));
        long every = refreshEvery(presenceTtl).toMillis();
        timers.add(redis.resources.eventExecutorGroup().scheduleAtFixedRate(this::refreshPresence, every, every, TimeUnit.MILLISECONDS));
        timers.add(redis.resources.eventExecutorGroup().scheduleAtFixedRate(this::checkCanary,
                CANARY_INTERVAL.toMillis(), CANARY_INTERVAL.toMillis(), TimeUnit.MILLISECONDS));
    }

    private StatefulRedisPubSubConnection<String, byte[]> attach(RedisLane lane, StatefulRedisPubSubConnection<String, byte[]> connection) {
        connection.addListener(new Receiver(lane));
        connection.addListener(new Reconnects("pub/sub connection of lane " + lane.index, lane));
        return connection;
    }

    /** The lane of the calling thread's loop; the first lane for any other thread. */
    private RedisLane currentLane() {
        int loop = loops.indexOfCurrent();
        return lanes.get(loop < 0 ? 0 : loop);
    }

    private RedisLane lane(int loop) {
        if (loop < 0 || loop >= lanes.size()) {
            throw new IllegalArgumentException("redis broker " + nodeId + ": no event loop " + loop + " (the node has " + lanes.size() + ")");
        }
        return lanes.get(loop);
    }

    /** Every write of a uid's presence goes over one lane, so that its add and its remove cannot overtake each other. */
    private RedisPresence presenceOf(String uid) {
        return presenceLaneOf(uid).presence;
    }

    private RedisLane presenceLaneOf(String uid) {
        return lanes.get(Math.floorMod(uid.hashCode(), lanes.size()));
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
            RedisLane lane = currentLane();
            CompletableFuture<Long> vouched = lane.commands.exists(names.presenceKey(uid)).toCompletableFuture();
            CompletableFuture<Long> receivers = lane.commands.publish(names.userChannel(uid), line).toCompletableFuture();
            lane.written.run();
            return vouched.thenCombine(receivers, (nodes, subscribers) -> nodes > 0 && subscribers > 0);
        });
    }

    @Override
    public CompletableFuture<Boolean> broadcast(byte[] line) {
        return breaker.call(() -> {
            RedisLane lane = currentLane();
            CompletableFuture<Long> nodes = lane.commands.publish(names.broadcastChannel(), line).toCompletableFuture();
            lane.written.run();
            return nodes;
        }).thenApply(nodes -> nodes > 0);
    }

    // ---- subscribing side -----------------------------------------------------------------------------------

    @Override
    public CompletableFuture<Void> subscribe(String uid, int loop) {
        requireSubscriber();
        RedisLane lane = lane(loop);
        CompletableFuture<Void> online = new CompletableFuture<>();
        long gen;
        CompletableFuture<Void> subscribed;
        synchronized (lock) {
            Held held = joined.get(uid);
            if (held == null) {
                held = new Held(++generation);
                joined.put(uid, held);
            }
            gen = held.generation;
            subscribed = lane.subscriptions.subscribe(names.userChannel(uid));
            if (!held.lanes.get(lane.index)) {
                held.lanes.set(lane.index);
                if (lane.uids++ == 0) {
                    // The uid's re-sync sets the lane's broadcast subscription right too.
                    lane.subscriptions.subscribe(names.broadcastChannel()).exceptionally(e -> resyncAloneAfter(uid, e));
                }
            }
        }
        subscribed.whenComplete((ok, error) -> {
            if (error != null) {
                follow(online, resyncAlone(uid, error), error);
                return;
            }
            CompletableFuture<Void> added;
            synchronized (lock) {
                Held current = joined.get(uid);
                if (current == null || current.generation != gen || !current.lanes.get(lane.index) || withdrawn) {
                    online.complete(null); // left meanwhile (the later transition decides), or withdrawn
                    return;
                }
                added = presenceOf(uid).add(uid);
            }
            added.whenComplete((v, e) -> {
                if (e == null) {
                    online.complete(null);
                } else {
                    follow(online, resyncAlone(uid, e), e);
                }
            });
        });
        return online;
    }

    /** Completes {@code future} as {@code resync} does, or with {@code error} if there is no single-uid re-sync. */
    private static void follow(CompletableFuture<Void> future, CompletableFuture<Void> resync, Throwable error) {
        if (resync == null) {
            future.completeExceptionally(error);
            return;
        }
        resync.whenComplete((v, e) -> {
            if (e == null) {
                future.complete(null);
            } else {
                future.completeExceptionally(e);
            }
        });
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String uid, int loop) {
        requireSubscriber();
        RedisLane lane = lane(loop);
        synchronized (lock) {
            Held held = joined.get(uid);
            if (held == null || !held.lanes.get(lane.index)) {
                return CompletableFuture.completedFuture(null);
            }
            held.lanes.clear(lane.index);
            boolean lastLane = held.lanes.isEmpty();
            if (lastLane) {
                joined.remove(uid);
            }
            boolean laneEmpty = --lane.uids == 0;
            if (withdrawn) {
                // The presence is gone already, and close() drops the subscriptions with their connections.
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> unsubscribed = lane.subscriptions.unsubscribe(names.userChannel(uid))
                    .exceptionallyCompose(e -> orFailed(resyncAlone(uid, e), e));
            if (laneEmpty) {
                lane.subscriptions.unsubscribe(names.broadcastChannel()).exceptionally(e -> resyncAloneAfter(uid, e));
            }
            if (!lastLane) {
                return unsubscribed;
            }
            CompletableFuture<Void> offline = presenceOf(uid).remove(uid).exceptionallyCompose(e -> orFailed(resyncAlone(uid, e), e));
            return CompletableFuture.allOf(offline, unsubscribed);
        }
    }

    private void requireSubscriber() {
        if (!subscriber) {
            throw new UnsupportedOperationException("redis broker " + nodeId + " only publishes");
        }
    }

    /**
     * Has the node re-synced everything, {@link ResyncRuns#RETRY} from now (or when the re-sync running ends, or
     * when the connection that is down is back), rather than at the next presence refresh: that came up to a third
     * of the TTL later, 10 s by default, with the node out of rotation meanwhile.
     */
    private <T> T markDirty(Throwable e) {
        if (closed) {
            return null;
        }
        if (!dirty) {
            dirty = true;
            if (!withdrawn && failureLog.allow()) { // a node shutting down has no state to set right: it is leaving everything
                log.warn("redis broker {}: a Redis command failed ({}); every uid will be re-synced once all {} connections "
                        + "answer ({} re-syncs so far)", nodeId, e.getMessage(), subscriber ? 2 * lanes.size() : lanes.size(), resyncs());
            }
        }
        if (!withdrawn) {
            resyncRuns.requestSoon();
        }
        return null;
    }

    private <T> T leftDirty(String uid, Throwable e) {
        leftDirty.put(uid, leftNotes.incrementAndGet()); // a re-sync clears only what the node no longer holds
        return markDirty(e);
    }

    /** Whether Redis is known to match this node, so that a refresh, or a single uid's re-sync, may run. */
    private boolean inStepWithRedis() {
        return !closed && !withdrawn && !dirty && !resyncing;
    }

    /**
     * Hands a uid whose command failed to {@link #uidResyncs}, to be re-synced alone. One that failed because a
     * connection is down, or that it does not take, makes the node re-sync everything instead.
     *
     * @return the uid's re-sync, or {@code null} when the node re-syncs everything instead
     */
    private CompletableFuture<Void> resyncAlone(String uid, Throwable e) {
        CompletableFuture<Void> resync = allConnectionsOpen() ? uidResyncs.offer(uid, e) : null;
        if (resync == null) {
            leftDirty(uid, e); // the re-sync of everything also sets right a uid that is no longer held
        }
        return resync;
    }

    private Void resyncAloneAfter(String uid, Throwable e) {
        resyncAlone(uid, e);
        return null;
    }

    private static CompletableFuture<Void> orFailed(CompletableFuture<Void> resync, Throwable e) {
        return resync != null ? resync : CompletableFuture.failedFuture(e);
    }

    private boolean allConnectionsOpen() {
        for (RedisLane lane : lanes) {
            if (!lane.connection.isOpen() || (subscriber && !lane.pubsub.isOpen())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Re-syncs one uid: on every lane, subscribed where the node holds a page of it and unsubscribed elsewhere (and
     * the lane's broadcast subscription set right, one more channel in the same command, since a uid's join or leave
     * also subscribes or unsubscribes that); then, once Redis has confirmed that, vouched for if the node still
     * holds it under the same join, or withdrawn if it holds it not at all. What the uid does meanwhile is written
     * after these and decides.
     */
    private CompletableFuture<?> resyncOne(String uid) {
        List<CompletableFuture<?>> written = new ArrayList<>();
        long generation;
        synchronized (lock) {
            if (withdrawn) {
                return CompletableFuture.completedFuture(null); // the withdrawal removes every entry itself
            }
            Held held = joined.get(uid);
            for (RedisLane lane : lanes) {
                boolean here = held != null && held.lanes.get(lane.index);
                written.add(here ? lane.subscriptions.subscribe(names.userChannel(uid)) : lane.subscriptions.unsubscribe(names.userChannel(uid)));
                written.add(lane.uids > 0 ? lane.subscriptions.subscribe(names.broadcastChannel())
                        : lane.subscriptions.unsubscribe(names.broadcastChannel()));
            }
            if (held == null) {
                written.add(presenceOf(uid).remove(uid));
                return CompletableFuture.allOf(written.toArray(CompletableFuture[]::new));
            }
            generation = held.generation;
        }
        return CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            synchronized (lock) {
                Held held = joined.get(uid);
                return held != null && held.generation == generation && !withdrawn
                        ? presenceOf(uid).add(uid) : CompletableFuture.completedFuture(null);
            }
        });
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

    /**
     * Every third of the TTL: vouch again for every uid held, and start a re-sync none has started. While the node
     * waits to re-sync, the refresh still runs, but only keeps alive what the node still delivers (see
     * {@link #keepAlive}): before, it stopped altogether, and one pub/sub connection that could not come back (Redis
     * at maxclients, an ACL change) made every uid of the node read offline after the TTL, though the pages on its
     * other loops still received their pushes.
     */
    private void refreshPresence() {
        try {
            if (dirty && !resyncRuns.retryPending()) {
                resyncRuns.request(); // else the pending retry re-syncs, on its back-off
            }
            refreshes.tick();
        } catch (RuntimeException e) {
            // An exception escaping a scheduled task cancels every later run: never let one out.
            log.error("redis broker {}: presence refresh failed", nodeId, e);
        }
    }

    /** Vouches again for every uid held, in slices spread over a quarter of the period. */
    private RefreshRuns.Started refresh() {
        lanes.get(0).presence.refreshNodeList().exceptionally(e -> {
            if (!UidResyncs.repairable(e)) {
                markDirty(e);
            } // else the next refresh extends it again: it lives as long as three periods
            return null;
        });
        List<String> held = new ArrayList<>(joined.keySet());
        StaleRefresh stale = new StaleRefresh();
        CompletableFuture<Void> answered = Slices.each(held, uid -> inStepWithRedis() ? touch(uid) : keepAlive(uid, stale),
                refreshSpread, redis.resources.eventExecutorGroup());
        answered.exceptionally(this::markDirty);
        answered.thenRun(() -> logStale(stale, held.size()));
        return new RefreshRuns.Started(held.size(), answered);
    }

    /**
     * A refresh's write for one uid while Redis may not match the node (a connection is down or came back, the node
     * waits to re-sync, or re-syncs): extends the node's entry, never creates one, and only for a uid whose every
     * loop holding a page of it still receives (see {@link RedisLane#delivers}). So a uid on a loop whose pub/sub
     * connection is down reads offline after the TTL, as its pushes reach none of its pages there; the others stay
     * online; and a Redis restarted empty gets its entries from the re-sync alone, after the subscriptions. A write
     * that fails is let go: the node re-syncs, which writes every entry again.
     */
    private CompletableFuture<?> keepAlive(String uid, StaleRefresh stale) {
        synchronized (lock) {
            Held held = joined.get(uid);
            if (held == null || withdrawn || closed) {
                return CompletableFuture.completedFuture(null);
            }
            if (!presenceLaneOf(uid).connection.isOpen() || !everyLaneDelivers(held)) {
                stale.letLapse();
                return CompletableFuture.completedFuture(null);
            }
            return presenceOf(uid).extend(uid)
                    .thenAccept(extended -> stale.extended(extended > 0))
                    .exceptionally(e -> null);
        }
    }

    /** Whether each lane holding a page of the uid delivers its lines there. */
    private boolean everyLaneDelivers(Held held) {
        for (int lane = held.lanes.nextSetBit(0); lane >= 0; lane = held.lanes.nextSetBit(lane + 1)) {
            if (!lanes.get(lane).delivers(CANARY_SILENCE.toMillis())) {
                return false;
            }
        }
        return true;
    }

    /** Says what a refresh made of a node waiting to re-sync, and why: at most once per 30 s. */
    private void logStale(StaleRefresh stale, int held) {
        if (!stale.any() || !staleRefreshLog.allow()) {
            return;
        }
        List<Integer> notDelivering = new ArrayList<>();
        for (RedisLane lane : lanes) {
            if (!lane.delivers(CANARY_SILENCE.toMillis())) {
                notDelivering.add(lane.index);
            }
        }
        log.warn("redis broker {}: waiting to re-sync with Redis (pub/sub connection of lanes {} down, replaced or not "
                        + "re-synced yet; {} of {} connections open); this presence refresh of {} uids kept {} online, found "
                        + "{} with no entry left to extend (only a re-sync writes new ones), and let {} lapse: a loop holding "
                        + "them does not receive, so they read offline within the presence TTL ({} ms)",
                nodeId, notDelivering, openConnections(), 2 * lanes.size(), held, stale.extended(), stale.absent(),
                stale.lapsing(), presenceTtl.toMillis());
    }

    private int openConnections() {
        int open = 0;
        for (RedisLane lane : lanes) {
            open += (lane.connection.isOpen() ? 1 : 0) + (lane.pubsub != null && lane.pubsub.isOpen() ? 1 : 0);
        }
        return open;
    }

    /**
     * A refresh's touch of one uid, if the node still holds it. A touch that fails has the uid re-synced alone and
     * counts as answered, so that the refresh goes on; one that cannot be stops the refresh, and the node re-syncs.
     */
    private CompletableFuture<?> touch(String uid) {
        return whileJoined(uid, u -> presenceOf(u).touch(u)).exceptionallyCompose(e -> resyncAlone(uid, e) != null
                ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(e));
    }

    /**
     * Publishes the canary, and replaces a lane's pub/sub connection when canaries published successfully have
     * stopped arriving there: the connection is open but deaf.
     */
    private void checkCanary() {
        try {
            if (closed) {
                return;
            }
            RedisLane first = lanes.get(0);
            RedisFuture<Long> published = first.commands.publish(names.canaryChannel(nodeId), new byte[] {'1'});
            first.written.run();
            published.thenAccept(receivers -> {
                for (RedisLane lane : lanes) {
                    long silentMs = lane.canarySilenceMillis();
                    // A connection that is down is Lettuce's to reconnect, and its silence counts from then: the
                    // command connection may be back from an outage before it.
                    if (silentMs > CANARY_SILENCE.toMillis() && !lane.replacingPubSub && lane.pubsub.isOpen() && !closed) {
                        log.warn("redis broker {}: pub/sub connection of lane {} received nothing for {} ms while Redis "
                                + "answers commands (Redis sees {} subscribers of the canary); replacing it",
                                nodeId, lane.index, silentMs, receivers);
                        replacePubSub(lane);
                    }
                }
            });
        } catch (RuntimeException e) {
            log.error("redis broker {}: canary check failed", nodeId, e);
        }
    }

    private void replacePubSub(RedisLane lane) {
        pubSubReplacements.incrementAndGet();
        StatefulRedisPubSubConnection<String, byte[]> deaf;
        synchronized (lock) {
            lane.replacingPubSub = true;
            lane.pubSubLosses.incrementAndGet(); // the new connection holds no subscription until a re-sync
            dirty = true;
            deaf = lane.pubsub;
        }
        deaf.closeAsync();
        redis.connectPubSub(lane.index).whenComplete((fresh, e) -> replaced(lane, fresh, e));
    }

    private void replaced(RedisLane lane, StatefulRedisPubSubConnection<String, byte[]> fresh, Throwable e) {
        if (closed) {
            if (fresh != null) {
                fresh.closeAsync();
            }
            return;
        }
        if (e != null) {
            // Backed off like a re-sync: Redis refusing connections (maxclients, an ACL) is not fixed by asking four
            // times a second, and a line per attempt buried the log.
            int inARow = replaceFailures.incrementAndGet();
            long delay = ResyncRuns.delayMillis(inARow);
            if (replaceLog.allow()) {
                log.warn("redis broker {}: could not open a new pub/sub connection for lane {} ({}; {} attempts in a "
                        + "row over all lanes); retrying in {} ms, at most every {} ms", nodeId, lane.index, e.getMessage(),
                        inARow, delay, ResyncRuns.MAX_RETRY.toMillis());
            }
            redis.resources.eventExecutorGroup().schedule(() -> retryReplacement(lane), delay, TimeUnit.MILLISECONDS);
            return;
        }
        replaceFailures.set(0);
        synchronized (lock) {
            lane.pubsub = attach(lane, fresh);
            lane.lastCanaryNanos = System.nanoTime();
            lane.replacingPubSub = false;
        }
        log.info("redis broker {}: pub/sub connection of lane {} replaced", nodeId, lane.index);
        resyncRuns.request();
    }

    /** Opens the lane's new pub/sub connection again; its deaf one is closed already. */
    private void retryReplacement(RedisLane lane) {
        if (closed) {
            return;
        }
        redis.connectPubSub(lane.index).whenComplete((fresh, e) -> replaced(lane, fresh, e));
    }

    private boolean replacingPubSub() {
        for (RedisLane lane : lanes) {
            if (lane.replacingPubSub) {
                return true;
            }
        }
        return false;
    }

    /**
     * Makes Redis match this node's state: on every lane, subscriptions for the uids it holds, and the broadcast
     * channel exactly on the lanes that hold a uid; presence for every joined uid; no subscription where a uid left,
     * and no presence for the uids that left the node while Redis could not be told. Idempotent. Started only by
     * {@link #resyncRuns}, one at a time and only while every connection is up.
     *
     * @return completes when Redis has confirmed all of it; exceptionally, with the node marked stale, if not
     */
    private CompletableFuture<Void> resync() {
        resyncing = true;
        dirty = false; // cleared first, so that a failure during the re-sync is not lost
        List<CompletableFuture<?>> confirmed = new ArrayList<>();
        // The pub/sub losses this re-sync sets right: one after this snapshot may have lost what it subscribes.
        long[] losses = new long[lanes.size()];
        synchronized (lock) {
            lanes.forEach(lane -> losses[lane.index] = lane.pubSubLosses.get());
            for (Map.Entry<String, Long> note : leftDirty.entrySet()) {
                String uid = note.getKey();
                long number = note.getValue();
                Held held = joined.get(uid);
                List<CompletableFuture<?>> cleared = new ArrayList<>();
                for (RedisLane lane : lanes) {
                    if (held == null || !held.lanes.get(lane.index)) {
                        cleared.add(lane.subscriptions.unsubscribe(names.userChannel(uid)));
                    }
                }
                if (held == null) {
                    cleared.add(presenceOf(uid).remove(uid));
                }
                confirmed.add(CompletableFuture.allOf(cleared.toArray(CompletableFuture[]::new)).thenRun(() -> leftDirty.remove(uid, number)));
            }
            List<List<String>> channels = new ArrayList<>();
            for (RedisLane lane : lanes) {
                List<String> ofLane = new ArrayList<>();
                ofLane.add(names.canaryChannel(nodeId));
                if (lane.uids > 0) {
                    ofLane.add(names.broadcastChannel());
                } else {
                    // Lettuce re-subscribes on reconnect every channel it knew, the broadcast channel of a lane whose
                    // last uid left during the outage too; subscribed there, a broadcast answers ok with no page.
                    confirmed.add(lane.subscriptions.unsubscribe(names.broadcastChannel()));
                }
                channels.add(ofLane);
            }
            joined.forEach((uid, held) -> held.lanes.stream().forEach(lane -> channels.get(lane).add(names.userChannel(uid))));
            for (RedisLane lane : lanes) {
                CompletableFuture<Void> previous = null;
                for (String channel : channels.get(lane.index)) {
                    CompletableFuture<Void> batch = lane.subscriptions.subscribe(channel);
                    if (batch != previous) { // one future per command, shared by its channels
                        confirmed.add(batch);
                        previous = batch;
                    }
                }
            }
        }
        // Presence only once every subscription is confirmed: the command connection may be back before the
        // pub/sub one, and presence written first would let the ingest answer ok for lines nobody receives.
        return CompletableFuture.allOf(confirmed.toArray(CompletableFuture[]::new))
                .thenCompose(v -> Slices.each(new ArrayList<>(joined.keySet()), uid -> whileJoined(uid, u -> presenceOf(u).add(u))))
                .thenCompose(v -> lanes.get(0).presence.refreshNodeList())
                .handle((v, e) -> {
                    if (e == null) {
                        lanes.forEach(lane -> lane.pubSubLossesResynced = losses[lane.index]);
                        resyncing = false;
                        return null;
                    }
                    dirty = true;
                    throw e instanceof CompletionException c ? c : new CompletionException(e);
                });
    }

    /** A third of the TTL: an entry survives two refreshes lost in a row. */
    private static Duration refreshEvery(Duration presenceTtl) {
        return Duration.ofMillis(Math.max(100, presenceTtl.toMillis() / 3));
    }

    /** Removes this node's entry for every uid it holds, in slices; refreshes and re-syncs write none after this. */
    @Override
    public CompletableFuture<Void> withdraw() {
        requireSubscriber();
        synchronized (lock) {
            if (withdrawal == null) {
                withdrawn = true;
                withdrawal = leaveAll(new ArrayList<>(joined.keySet()));
            }
            return withdrawal;
        }
    }

    /**
     * Withdraws each uid's entry, in slices (written at once, a node's every uid would overflow the command queues
     * past 32k uids), then the node's list in one command. A uid's leave still waits for its join in flight.
     */
    private CompletableFuture<Void> leaveAll(List<String> held) {
        lanes.forEach(lane -> lane.presence.leavingAll());
        return Slices.each(held, uid -> presenceOf(uid).remove(uid))
                .thenCompose(v -> lanes.get(0).presence.forgetNodeList())
                .thenApply(deleted -> null);
    }

    @Override
    public boolean isHealthy() {
        if (closed) {
            return false;
        }
        for (RedisLane lane : lanes) {
            if (!lane.connection.isOpen()) {
                return false;
            }
            if (subscriber && (lane.replacingPubSub || !lane.pubsub.isOpen() || lane.canarySilenceMillis() > CANARY_SILENCE.toMillis())) {
                return false;
            }
        }
        return !subscriber || (!dirty && !resyncing);
    }

    @Override
    public String describe() {
        return "redis broker (node " + nodeId + ", prefix " + names.prefix() + ", presence ttl " + presenceTtl.toSeconds()
                + "s, " + lanes.size() + " lanes on " + (redis.onNodeLoops ? "the node's loops" : "Lettuce's threads") + ")";
    }

    /** The publish circuit's state, for metrics and readiness. */
    public io.github.resilience4j.circuitbreaker.CircuitBreaker.State publishCircuitState() {
        return breaker.state();
    }

    /** Refresh ticks that found the previous presence refresh still running; for metrics. */
    public long presenceRefreshOverruns() {
        return refreshes.overruns();
    }

    /** How long the last presence refresh took until Redis had answered it all, in seconds; for metrics. */
    public double lastPresenceRefreshSeconds() {
        return refreshes.lastNanos() / 1e9;
    }

    /** Uids re-synced alone, after one of their commands failed while Redis answered; for metrics and tests. */
    public long uidResyncs() {
        return uidResyncs.resynced();
    }

    /** Uids waiting to be re-synced alone; for tests. */
    int uidResyncsPending() {
        return uidResyncs.pending();
    }

    /** Re-syncs of every uid held that this node started, retries included; for metrics and tests. */
    public long resyncs() {
        return resyncRuns.started();
    }

    /** Pub/sub connections replaced (found deaf), retries included; for metrics and tests. */
    public long pubSubReplacements() {
        return pubSubReplacements.get();
    }

    /** Number of uids this node holds; for metrics and tests. */
    public int subscribedUids() {
        return joined.size();
    }

    /** Presence writes (joins and leaves) waiting to be written or unanswered, over all lanes; for metrics. */
    public int presenceWritesQueued() {
        int queued = 0;
        for (RedisLane lane : lanes) {
            if (lane.presence != null) {
                queued += lane.presence.queued();
            }
        }
        return queued;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timers.forEach(t -> t.cancel(false));
        uidResyncs.dropAll(new IllegalStateException("redis broker " + nodeId + " closed"));
        if (subscriber) {
            CompletableFuture<Void> leaving;
            synchronized (lock) {
                leaving = withdrawal != null ? withdrawal : leaveAll(new ArrayList<>(joined.keySet()));
                joined.clear();
            }
            try {
                leaving.get(2, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.warn("redis broker {}: could not remove all presence on close ({}); it expires within {}s",
                        nodeId, e.toString(), presenceTtl.toSeconds());
            }
            lanes.forEach(lane -> lane.pubsub.close());
        }
        redis.close();
    }

    /**
     * Hands the lines a lane's pub/sub connection receives to the listener, for that lane's loop; a listener bug is
     * logged, never allowed to break the connection.
     */
    private final class Receiver extends RedisPubSubAdapter<String, byte[]> {
        private final RedisLane lane;

        Receiver(RedisLane lane) {
            this.lane = lane;
        }

        @Override
        public void message(String channel, byte[] message) {
            try {
                if (channel.equals(names.broadcastChannel())) {
                    listener.onBroadcast(message, lane.index);
                    return;
                }
                String uid = names.uidOfUserChannel(channel);
                if (uid != null) {
                    listener.onPush(uid, message, lane.index);
                } else if (channel.equals(names.canaryChannel(nodeId))) {
                    lane.lastCanaryNanos = System.nanoTime();
                }
            } catch (RuntimeException e) {
                log.error("redis broker {}: delivery listener failed on channel {}", nodeId, channel, e);
            }
        }
    }

    /**
     * After any reconnect, Redis may have lost everything (a restart with empty data): set it right. A reconnect
     * while Redis stays unreachable repeats, each time Lettuce's back-off lets it try; the log says so once per
     * {@link #RECONNECT_LOG} per connection, with the count.
     */
    private final class Reconnects implements RedisConnectionStateListener {
        /** Which of the node's connections this listens to, for the log. */
        private final String which;
        /** The lane whose pub/sub connection this is, or {@code null} for a command connection. */
        private final RedisLane pubsubOf;
        private final AtomicLong losses = new AtomicLong();
        private final LogThrottle lossLog = new LogThrottle(RECONNECT_LOG);
        private final LogThrottle connectLog = new LogThrottle(RECONNECT_LOG);

        Reconnects(String which, RedisLane pubsubOf) {
            this.which = which;
            this.pubsubOf = pubsubOf;
        }

        @Override
        public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
            if (closed) {
                return;
            }
            if (pubsubOf != null) {
                // The canary's silence counts from now: an outage longer than CANARY_SILENCE made the next check
                // take a connection that had just come back for deaf, and replace it.
                pubsubOf.lastCanaryNanos = System.nanoTime();
            }
            if (connectLog.allow()) {
                log.info("redis broker {}: {} connected to Redis at {} ({} losses so far)", nodeId, which, address, losses.get());
            }
            redis.resources.eventExecutorGroup().execute(resyncRuns::request);
        }

        @Override
        public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            if (closed) {
                return;
            }
            if (pubsubOf != null) {
                pubsubOf.pubSubLosses.incrementAndGet(); // Redis may have dropped its subscriptions with it
            }
            dirty = true;
            long lost = losses.incrementAndGet();
            if (lossLog.allow()) {
                // Redis also closes a subscriber whose output buffer passes client-output-buffer-limit pubsub
                // (a node too slow for a burst), and says so only in its own log.
                log.warn("redis broker {}: lost its {} ({} times so far); reconnecting{}", nodeId, which, lost,
                        pubsubOf != null ? " (if Redis is up, see its log: it closes a subscriber "
                                + "that falls behind past client-output-buffer-limit pubsub)" : "");
            }
        }
    }
}
