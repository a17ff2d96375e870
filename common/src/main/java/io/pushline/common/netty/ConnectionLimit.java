package io.pushline.common.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Caps the connections one listener holds. A connection over the cap is handed to {@code refuse} (which answers
 * and closes it) and never reaches the rest of its pipeline. A connection is uncounted on deactivation only if it
 * was counted on activation (a channel attribute says so): a handler in front of this one may close a connection
 * before its activation reaches here (an address allow-list does, on registration), and uncounting that one drove
 * the count negative and let the listener hold more than its cap. A refused connection's later bytes reach
 * nothing: its refusal may wait for a TLS handshake to be written, and the rest of the pipeline (an ingest's line
 * handler) would meanwhile act on what it sends. Shared by all of a listener's connections; thread-safe.
 */
@ChannelHandler.Sharable
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {

    /** Set on a connection this limit counted; cleared when it is uncounted, so that happens once. */
    private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf(ConnectionLimit.class, "counted");

    /** In a refused connection's pipeline in place of the limit: drops what the connection sends. */
    private static final ChannelInboundHandlerAdapter DISCARD = new Discard();

    @ChannelHandler.Sharable
    private static final class Discard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

    private final int max;
    private final Consumer<Channel> refuse;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    public ConnectionLimit(int max, Consumer<Channel> refuse) {
        this.max = max;
        this.refuse = refuse;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refused.incrementAndGet();
            ctx.pipeline().replace(this, "refused", DISCARD);
            refuse.accept(ctx.channel());
            return;
        }
        ctx.channel().attr(COUNTED).set(Boolean.TRUE);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().attr(COUNTED).getAndSet(null) != null) {
            open.decrementAndGet();
        }
        super.channelInactive(ctx);
    }

    public int open() {
        return open.get();
    }

    public long refused() {
        return refused.get();
    }

    public int max() {
        return max;
    }
}
