package io.pushline.all;

import io.pushline.broker.redis.RedisBroker;
import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestOptions;
import io.pushline.ingest.IngestServer;

/** A Redis-mode gateway or ingest in this JVM, on 127.0.0.1: what most Redis tests start. */
public final class Nodes {

    private static final String HOST = "127.0.0.1";

    private Nodes() {
    }

    /** A gateway node named {@code nodeId} on an ephemeral port, brokering through {@code redis}. */
    public static GatewayServer gateway(RedisOptions redis, String nodeId) {
        return gateway(redis, nodeId, 0);
    }

    /** The same on {@code port}: a test that restarts a node brings it back where its pages reconnect. */
    public static GatewayServer gateway(RedisOptions redis, String nodeId, int port) {
        return new GatewayServer(GatewayOptions.of(HOST, port).withNodeId(nodeId), (listener, loops) -> new RedisBroker(redis, nodeId, listener, loops));
    }

    /** An ingest on an ephemeral port, publishing through {@code redis}. */
    public static IngestServer ingest(RedisOptions redis) {
        return new IngestServer(IngestOptions.of(HOST, 0), loops -> RedisBroker.publisher(redis, "ingest", loops));
    }
}
