package io.pushline.ingest.guard;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.pushline.ingest.line.RefusedLine;

import java.time.Duration;

/**
 * At most N lines per second on one connection. A line over the limit is not delayed (a wait would hold the
 * event loop's other connections too): it becomes {@link RefusedLine#RATE_LIMITED}, answered {@code fail} in line
 * order, and the connection stays open. Each connection has its own limiter, so one noisy source spends only its
 * own budget. One instance per connection.
 */
final class LineRateLimiter extends ChannelInboundHandlerAdapter {

    private static final Duration PERIOD = Duration.ofSeconds(1);

    private final RateLimiter limiter;
    private final IngestGuardStats stats;

    LineRateLimiter(int linesPerSecond, IngestGuardStats stats) {
        this.limiter = RateLimiter.of("ingest-connection", RateLimiterConfig.custom()
                .limitForPeriod(linesPerSecond)
                .limitRefreshPeriod(PERIOD)
                .timeoutDuration(Duration.ZERO)
                .build());
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf line && !limiter.acquirePermission()) {
            line.release();
            stats.rateLimited();
            ctx.fireChannelRead(RefusedLine.RATE_LIMITED);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
