package io.pushline.broker;

/**
 * Receives the lines published for the uids a node subscribed. Called on the broker's threads: implementations
 * must not block and must not throw (a throw is caught and logged by the broker, so one bug cannot stop
 * delivery to everyone else).
 *
 * <p>A broker that receives on each event loop separately (see {@link Broker#subscribe(String, int)}) names the
 * loop a line is for: the listener writes it only to the connections of that loop, which the broker calls it on,
 * and the broker hands the same line to every other loop that holds the uid. A broker that receives once for the
 * whole node says {@link #EVERY_LOOP}.
 */
public interface DeliveryListener {

    /** The {@code loop} of a line meant for the connections of every loop. */
    int EVERY_LOOP = -1;

    /** A line for the local connections of {@code uid} on {@code loop} (an index into the node's event loops). */
    void onPush(String uid, byte[] line, int loop);

    /** A line for every local connection bound to a uid on {@code loop}. */
    void onBroadcast(byte[] line, int loop);

    /** For nodes that only publish (a standalone ingest). */
    DeliveryListener NONE = new DeliveryListener() {
        @Override
        public void onPush(String uid, byte[] line, int loop) {
        }

        @Override
        public void onBroadcast(byte[] line, int loop) {
        }
    };
}
