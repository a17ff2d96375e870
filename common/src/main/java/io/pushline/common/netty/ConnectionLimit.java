package io.pushline.common.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Caps the connections one listener holds. A connection over the cap is handed to {@code refuse} (which answers
 * and closes it) and never reaches the rest of its pipeline; the count is kept exactly by pairing every
 * accepted activation with its deactivation. Shared by all of a listener's connections; thread-safe.
 */
@ChannelHandler.Sharable
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {

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
            ctx.pipeline().remove(this); // its inactivation must not be counted
            refuse.accept(ctx.channel());
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.decrementAndGet();
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
