package io.pushline.all;

import io.pushline.broker.redis.RedisBroker;
import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestOptions;
import io.pushline.ingest.IngestServer;

/** A Redis-mode gateway or ingest in this JVM, on an ephemeral port of 127.0.0.1: what most Redis tests start. */
final class Nodes {

    private static final String HOST = "127.0.0.1";

    private Nodes() {
    }

    /** A gateway node named {@code nodeId}, brokering through {@code redis}. */
    static GatewayServer gateway(RedisOptions redis, String nodeId) {
        return new GatewayServer(GatewayOptions.of(HOST, 0).withNodeId(nodeId), (listener, loops) -> new RedisBroker(redis, nodeId, listener, loops));
    }

    /** An ingest publishing through {@code redis}. */
    static IngestServer ingest(RedisOptions redis) {
        return new IngestServer(IngestOptions.of(HOST, 0), loops -> RedisBroker.publisher(redis, "ingest", loops));
    }
}
