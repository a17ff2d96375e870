package io.pushline.broker.memory;

import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One node on a {@link MemoryHub}. Delivery runs on the publisher's thread, once for every loop
 * ({@link DeliveryListener#EVERY_LOOP}), which is fine because listeners never block (the gateway hands each frame
 * to the connection's own event loop). Thread-safe.
 */
public final class MemoryBroker implements Broker {

    private static final Logger log = LoggerFactory.getLogger(MemoryBroker.class);
    private static final CompletableFuture<Boolean> ONLINE = CompletableFuture.completedFuture(true);
    private static final CompletableFuture<Boolean> OFFLINE = CompletableFuture.completedFuture(false);

    private final MemoryHub hub;
    private final DeliveryListener listener;
    /** Per uid held, on how many loops. Guarded by {@link #lock}. */
    private final Map<String, Integer> subscribed = new HashMap<>();
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
                node.onBroadcast(line, DeliveryListener.EVERY_LOOP);
            } else {
                node.onPush(uid, line, DeliveryListener.EVERY_LOOP);
            }
        } catch (RuntimeException e) {
            log.error("memory broker: delivery listener failed for uid {}", uid, e);
        }
    }

    /** The uid is online from its first loop to its last: the loops only count. */
    @Override
    public CompletableFuture<Void> subscribe(String uid, int loop) {
        synchronized (lock) {
            if (!withdrawn && subscribed.merge(uid, 1, Integer::sum) == 1) {
                hub.add(uid, listener);
                if (subscribed.size() == 1) {
                    hub.joinBroadcast(listener);
                }
            }
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> unsubscribe(String uid, int loop) {
        synchronized (lock) {
            Integer loops = subscribed.get(uid);
            if (loops == null) {
                return CompletableFuture.completedFuture(null);
            }
            if (loops > 1) {
                subscribed.put(uid, loops - 1);
            } else {
                subscribed.remove(uid);
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
            for (String uid : subscribed.keySet()) {
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
