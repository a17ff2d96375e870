package io.pushline.broker;

import io.pushline.broker.memory.MemoryBroker;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.broker.redis.RedisBroker;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.netty.EventLoops;

/** The one place that picks the broker: Redis when a URL is configured, otherwise the in-memory one. */
public final class Brokers {

    private Brokers() {
    }

    /**
     * @param hub the process's memory hub, used only without a Redis URL
     * @param loops the node's event loops, which the Redis client runs on
     * @throws io.pushline.common.config.StartupException when Redis cannot be reached at start
     */
    public static Broker create(RedisOptions options, String nodeId, DeliveryListener listener, MemoryHub hub, EventLoops loops) {
        if (options.hasRedis()) {
            return new RedisBroker(options, nodeId, listener, loops);
        }
        return new MemoryBroker(hub, listener);
    }

    /** A broker that only publishes (an ingest): on Redis it opens no pub/sub connection and keeps no presence. */
    public static Broker publisher(RedisOptions options, String name, MemoryHub hub, EventLoops loops) {
        if (options.hasRedis()) {
            return RedisBroker.publisher(options, name, loops);
        }
        return new MemoryBroker(hub, DeliveryListener.NONE);
    }
}
