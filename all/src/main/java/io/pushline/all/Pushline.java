package io.pushline.all;

import io.pushline.broker.Brokers;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestOptions;
import io.pushline.ingest.IngestServer;

/**
 * A gateway and an ingest in one process, each with its own broker on the same bus (one in-memory hub, or one
 * Redis). Closes the ingest first, so no line is accepted for a gateway that is already gone.
 */
public final class Pushline implements AutoCloseable {

    private final GatewayServer gateway;
    private final IngestServer ingest;

    private Pushline(GatewayServer gateway, IngestServer ingest) {
        this.gateway = gateway;
        this.ingest = ingest;
    }

    public static Pushline start(RedisOptions redis, GatewayOptions gatewayOptions, IngestOptions ingestOptions) {
        MemoryHub hub = new MemoryHub();
        GatewayServer gateway = new GatewayServer(gatewayOptions,
                listener -> Brokers.create(redis, gatewayOptions.nodeId(), listener, hub));
        try {
            String ingestNode = gatewayOptions.nodeId() + "-ingest";
            return new Pushline(gateway, new IngestServer(ingestOptions, Brokers.publisher(redis, ingestNode, hub)));
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
    }

    public GatewayServer gateway() {
        return gateway;
    }

    public IngestServer ingest() {
        return ingest;
    }

    @Override
    public void close() {
        ingest.close();
        gateway.close();
    }
}
