package io.pushline.broker;

import java.util.concurrent.CompletableFuture;

/**
 * One node's view of the message bus: the publishing side used by the ingest and the subscribing side used by
 * the gateway. Delivery is at most once.
 *
 * <p>Presence and subscription are one concept here: a node {@link #subscribe subscribes} a uid when the
 * uid's first local connection on an event loop arrives, which makes the uid online for every publisher, and
 * {@link #unsubscribe unsubscribes} it when the last one on that loop leaves; the uid is offline here once no
 * loop holds it. Messages for subscribed uids reach the
 * {@link DeliveryListener} given at construction.
 *
 * <p>Implementations are thread-safe and never block the caller: every Redis call is asynchronous.
 */
public interface Broker extends AutoCloseable {

    /**
     * Publishes {@code line} to every connection of {@code uid} on every node, if the uid is online.
     *
     * @return completes with {@code true} when the uid was online and the line published, {@code false} when it
     *         was offline (nothing is published); completes exceptionally when the bus could not be reached in
     *         time, in which case the line may or may not have been published
     */
    CompletableFuture<Boolean> publish(String uid, byte[] line);

    /**
     * Publishes {@code line} to every connection bound to a uid, on every node.
     *
     * @return completes with {@code true} when at least one node had a bound connection
     */
    CompletableFuture<Boolean> broadcast(byte[] line);

    /**
     * This node now holds a connection of {@code uid} on event loop {@code loop}: receive its messages there, and
     * mark the uid online. Called once per uid and loop, when the uid's first connection on that loop binds, in
     * order with {@link #unsubscribe}; the gateway serializes the calls for one uid. A broker may receive on each
     * loop separately, so that a line reaches a connection on the loop it lives on without a hand-off between
     * threads; the {@link DeliveryListener} is then told which loop a line is for.
     *
     * @param loop an index into the node's event loops
     * @return completes when the uid is online for publishers (subscription live, then presence written)
     */
    CompletableFuture<Void> subscribe(String uid, int loop);

    /** {@link #subscribe(String, int)} on the first loop: for a node with one loop, or a caller that is not one. */
    default CompletableFuture<Void> subscribe(String uid) {
        return subscribe(uid, 0);
    }

    /**
     * This node no longer holds a connection of {@code uid} on {@code loop}: stop receiving there, and once no
     * loop holds the uid, mark it offline here. A line published before the broker has processed this may still be
     * delivered; the gateway drops lines for uids it no longer holds.
     *
     * @return completes when the uid is no longer received on {@code loop} (and offline here, when it was the
     *         last); exceptionally when the bus could not be told, in which case the broker retries by itself when
     *         it is back
     */
    CompletableFuture<Void> unsubscribe(String uid, int loop);

    /** {@link #unsubscribe(String, int)} on the first loop. */
    default CompletableFuture<Void> unsubscribe(String uid) {
        return unsubscribe(uid, 0);
    }

    /**
     * Stops vouching for every uid this node holds, ahead of closing their connections at shutdown. A page being
     * closed drops what is pushed to it after its close frame, so from here on a push to a uid that only this node
     * holds answers {@code false} rather than {@code true} for a line nobody will see; uids other nodes hold stay
     * online. Lines may still reach this node's pages meanwhile. Subscribes and unsubscribes after this only keep
     * the node's own books; {@link #close()} still ends everything.
     *
     * @return completes when every uid is withdrawn; exceptionally when the bus could not be told, in which case
     *         the uids read offline once their entries lapse
     */
    CompletableFuture<Void> withdraw();

    /** Whether the bus is reachable and this node's subscriptions are live. */
    boolean isHealthy();

    /** Short description for logs, without secrets. */
    String describe();

    /** Removes this node's presence and subscriptions, then releases connections. */
    @Override
    void close();
}
