package io.pushline.ingest;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.pushline.broker.Broker;
import io.pushline.ingest.line.IngestStats;
import io.pushline.ingest.line.PushLineDecoder;
import io.pushline.ingest.line.PushLineHandler;

import java.util.concurrent.TimeUnit;

/** One ingest connection's pipeline: idle detection, bounded line framing, publish and in-order replies. */
final class IngestInitializer extends ChannelInitializer<SocketChannel> {

    private final IngestOptions options;
    private final Broker broker;
    private final IngestStats stats;

    IngestInitializer(IngestOptions options, Broker broker, IngestStats stats) {
        this.options = options;
        this.broker = broker;
        this.stats = stats;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline()
                .addLast("idle", new IdleStateHandler(options.partialLineTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast("lines", new PushLineDecoder(options.maxLineLength()))
                .addLast("push", new PushLineHandler(broker, stats, options.maxInFlight()));
    }
}
