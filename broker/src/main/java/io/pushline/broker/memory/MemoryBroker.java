package io.pushline.broker.memory;

import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One node on a {@link MemoryHub}. Delivery runs on the publisher's thread, which is fine because listeners
 * never block (the gateway hands each frame to the connection's own event loop). Thread-safe.
 */
public final class MemoryBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(MemoryBroker.class);
    private static final CompletableFuture<Boolean> ONLINE = CompletableFuture.completedFuture(true);
    private static final CompletableFuture<Boolean> OFFLINE = CompletableFuture.completedFuture(false);

    private final MemoryHub hub;
    private final DeliveryListener listener;
    private final Set<String> subscribed = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private boolean withdrawn;

    public MemoryBroker(MemoryHub hub, DeliveryListener listener) {
        this.hub = hub;
        this.listener = listener;
    }

    @Override
    public CompletableFuture<Boolean> publish(String uid, byte[] line) {
        Set<DeliveryListener> nodes = hub.nodes(uid);
        for (DeliveryListener node : nodes) {
            deliver(node, uid, line);
        }
        return nodes.isEmpty() ? OFFLINE : ONLINE;
    }

    @Override
    public CompletableFuture<Boolean> broadcast(byte[] line) {
        Set<DeliveryListener> nodes = hub.broadcastNodes();
        for (DeliveryListener node : nodes) {
            deliver(node, null, line);
        }
        return nodes.isEmpty() ? OFFLINE : ONLINE;
    }

    private static void deliver(DeliveryListener node, String uid, byte[] line) {
        try {
            if (uid == null) {
                node.onBroadcast(line);
            } else {
                node.onPush(uid, line);
            }
        } catch (RuntimeException e) {
            log.error("memory broker: delivery listener failed for uid {}", uid, e);
        }
    }

    @Override
    public CompletableFuture<Void> subscribe(String uid) {
        synchronized (lock) {
            if (!withdrawn && subscribed.add(uid)) {
                hub.add(uid, listener);
                if (subscribed.size() == 1) {
                    hub.joinBroadcast(listener);
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String uid) {
        synchronized (lock) {
            if (subscribed.remove(uid)) {
                hub.remove(uid, listener);
                if (subscribed.isEmpty()) {
                    hub.leaveBroadcast(listener);
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    /** In one process, being online and receiving are the same thing: both end here. */
    @Override
    public CompletableFuture<Void> withdraw() {
        synchronized (lock) {
            withdrawn = true;
            for (String uid : subscribed) {
                hub.remove(uid, listener);
            }
            subscribed.clear();
            hub.leaveBroadcast(listener);
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public String describe() {
        return "in-memory broker";
    }

    @Override
    public void close() {
        withdraw();
    }
}
