package io.pushline.ingest;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.pushline.broker.Broker;
import io.pushline.common.netty.ConnectionLimit;
import io.pushline.common.protocol.Replies;
import io.pushline.ingest.guard.IngestGuard;
import io.pushline.ingest.line.IngestStats;
import io.pushline.ingest.line.LineLimits;
import io.pushline.ingest.line.PublishBudgets;
import io.pushline.ingest.line.PushLineDecoder;
import io.pushline.ingest.line.PushLineHandler;

import java.util.concurrent.TimeUnit;

/**
 * One ingest connection's pipeline: the connection cap, idle detection, bounded line framing, publish and in-order
 * replies. {@link IngestGuard} adds its handlers around these by name (allow-list, TLS, AUTH line, rate limit).
 */
final class IngestInitializer extends ChannelInitializer<SocketChannel> {

    private final IngestOptions options;
    private final Broker broker;
    private final IngestStats stats;
    private final ConnectionLimit limit;
    /** Every open connection, so that a stop can drain them; a closed channel leaves the group by itself. */
    private final ChannelGroup open = new DefaultChannelGroup("ingest-connections", GlobalEventExecutor.INSTANCE);
    private final IngestGuard guard;
    private final LineLimits lineLimits;
    private final PublishBudgets budgets;

    /** @param loops the event loops the ingest's connections run on, which share its pending-bytes budget */
    IngestInitializer(IngestOptions options, Broker broker, IngestStats stats, IngestGuard guard, int loops) {
        this.options = options;
        this.guard = guard;
        this.broker = broker;
        this.stats = stats;
        this.limit = new ConnectionLimit(options.maxConnections(), IngestInitializer::refuse);
        this.lineLimits = new LineLimits(options.maxLineLength(), options.maxInFlight(), options.maxFanoutBytes());
        this.budgets = new PublishBudgets(options.maxPendingPublishes(), options.maxPendingBytes(), loops);
    }

    /** The ingest is full: the client's pending request gets the one answer it understands, then the close. */
    private static void refuse(Channel ch) {
        ch.writeAndFlush(Unpooled.wrappedBuffer(Replies.fail())).addListener(ChannelFutureListener.CLOSE);
    }

    ConnectionLimit limit() {
        return limit;
    }

    ChannelGroup openConnections() {
        return open;
    }

    PublishBudgets budgets() {
        return budgets;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        // A client that shuts its output down after its lines (the seed answered it) still reads: keep the
        // connection half open so PushLineHandler can answer what it read, then close it.
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        open.add(ch);
        ch.pipeline()
                .addLast("limit", limit)
                .addLast("idle", new IdleStateHandler(options.partialLineTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast("lines", new PushLineDecoder(options.maxLineLength()))
                .addLast(IngestGuard.PUSH, new PushLineHandler(broker, stats, lineLimits, budgets));
        guard.install(ch);
    }
}
