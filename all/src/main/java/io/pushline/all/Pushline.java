package io.pushline.all;

import io.pushline.broker.Brokers;
import io.pushline.broker.memory.MemoryHub;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.common.netty.EventLoops;
import io.pushline.gateway.GatewayOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestOptions;
import io.pushline.ingest.IngestServer;

/**
 * A gateway and an ingest in one process, each with its own broker on the same bus (one in-memory hub, or one
 * Redis), all on one group of event loops: on a small machine every extra thread is a wake-up on a shared core.
 * Closes the ingest first, so no line is accepted for a gateway that is already gone, and the loops last.
 */
public final class Pushline implements AutoCloseable {

    private final EventLoops loops;
    private final GatewayServer gateway;
    private final IngestServer ingest;

    private Pushline(EventLoops loops, GatewayServer gateway, IngestServer ingest) {
        this.loops = loops;
        this.gateway = gateway;
        this.ingest = ingest;
    }

    public static Pushline start(RedisOptions redis, GatewayOptions gatewayOptions, IngestOptions ingestOptions) {
        return start(redis, gatewayOptions, ingestOptions, EventLoopOptions.of(EventLoopOptions.PER_CORE));
    }

    public static Pushline start(RedisOptions redis, GatewayOptions gatewayOptions, IngestOptions ingestOptions,
            EventLoopOptions loopOptions) {
        EventLoops loops = loopOptions.create("pushline");
        MemoryHub hub = new MemoryHub();
        try {
            GatewayServer gateway = new GatewayServer(gatewayOptions, loops,
                    (listener, l) -> Brokers.create(redis, gatewayOptions.nodeId(), listener, hub, l));
            try {
                String ingestNode = gatewayOptions.nodeId() + "-ingest";
                IngestServer ingest = new IngestServer(ingestOptions, loops, l -> Brokers.publisher(redis, ingestNode, hub, l));
                return new Pushline(loops, gateway, ingest);
            } catch (RuntimeException e) {
                gateway.close();
                throw e;
            }
        } catch (RuntimeException e) {
            loops.close();
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
        loops.close();
    }
}
