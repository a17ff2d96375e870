package io.pushline.broker;

/**
 * Receives the lines published for the uids a node subscribed. Called on the broker's threads: implementations
 * must not block and must not throw (a throw is caught and logged by the broker, so one bug cannot stop
 * delivery to everyone else).
 */
public interface DeliveryListener {

    /** A line for every local connection of {@code uid}. */
    void onPush(String uid, byte[] line);

    /** A line for every local connection bound to a uid. */
    void onBroadcast(byte[] line);

    /** For nodes that only publish (a standalone ingest). */
    DeliveryListener NONE = new DeliveryListener() {
        @Override
        public void onPush(String uid, byte[] line) {
        }

        @Override
        public void onBroadcast(byte[] line) {
        }
    };
}
