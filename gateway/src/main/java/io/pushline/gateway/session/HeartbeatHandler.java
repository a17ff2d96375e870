package io.pushline.gateway.session;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.pushline.common.protocol.CloseCodes;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a browser proving it is there. A connection that has sent nothing for a ping interval gets a ping
 * (proxies and NATs also drop silent connections); one that has sent nothing, not even a pong, for the idle
 * timeout is closed, so a vanished browser does not hold its uid online.
 *
 * <p>Only what the browser sends counts, never what it is sent: a page that only receives pushes sends nothing
 * but its pongs, so it must be pinged however busy the connection is. (Pinging only connections quiet in both
 * directions let steady pushes suppress every ping, and such a page was closed at the idle timeout although it
 * was there.)
 *
 * <p>Driven by the reader-idle events of the {@link IdleStateHandler} at the head of the pipeline, made by
 * {@link #idleDetector}: it sees raw bytes, so a pong counts even though the protocol handler drops it. Each event
 * is a ping interval without a read; the connection is closed at the first event at or past the idle timeout, so at
 * most one ping interval after it. One instance per connection (it counts the events).
 */
public final class HeartbeatHandler extends ChannelInboundHandlerAdapter {

    private final long pingIntervalNanos;
    private final long idleTimeoutNanos;
    /** Reader-idle events since the last read. */
    private int silentIntervals;

    public HeartbeatHandler(Duration pingInterval, Duration idleTimeout) {
        this.pingIntervalNanos = pingInterval.toNanos();
        this.idleTimeoutNanos = idleTimeout.toNanos();
    }

    /** The idle detector this handler expects at the head of the pipeline: one timer, reads only. */
    public static IdleStateHandler idleDetector(Duration pingInterval) {
        return new IdleStateHandler(pingInterval.toNanos(), 0, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent idle && idle.state() == IdleState.READER_IDLE) {
            silentIntervals = idle.isFirst() ? 1 : silentIntervals + 1;
            if (silentIntervals * pingIntervalNanos >= idleTimeoutNanos) {
                ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.GOING_AWAY, "idle timeout")).addListener(ChannelFutureListener.CLOSE);
            } else {
                ctx.writeAndFlush(new PingWebSocketFrame()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
