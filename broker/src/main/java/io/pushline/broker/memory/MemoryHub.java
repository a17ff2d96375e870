package io.pushline.broker.memory;

import io.pushline.broker.DeliveryListener;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The shared bus of in-memory brokers: what Redis is to Redis brokers. One per process; tests make several
 * {@link MemoryBroker}s on one hub to act as several nodes. Thread-safe.
 */
public final class MemoryHub {

    private final ConcurrentHashMap<String, Set<DeliveryListener>> byUid = new ConcurrentHashMap<>();
    private final Set<DeliveryListener> broadcastNodes = new CopyOnWriteArraySet<>();

    void add(String uid, DeliveryListener node) {
        byUid.computeIfAbsent(uid, k -> new CopyOnWriteArraySet<>()).add(node);
    }

    void remove(String uid, DeliveryListener node) {
        byUid.computeIfPresent(uid, (k, nodes) -> {
            nodes.remove(node);
            return nodes.isEmpty() ? null : nodes;
        });
    }

    void joinBroadcast(DeliveryListener node) {
        broadcastNodes.add(node);
    }

    void leaveBroadcast(DeliveryListener node) {
        broadcastNodes.remove(node);
    }

    Set<DeliveryListener> nodes(String uid) {
        return byUid.getOrDefault(uid, Set.of());
    }

    Set<DeliveryListener> broadcastNodes() {
        return broadcastNodes;
    }
}
