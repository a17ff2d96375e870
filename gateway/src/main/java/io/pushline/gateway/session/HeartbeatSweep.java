package io.pushline.gateway.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.common.netty.EventLoops;
import io.pushline.common.protocol.CloseCodes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Keeps every bound page proving it is there. A page that has sent nothing for a ping interval gets a ping
 * (proxies and NATs also drop silent connections); one that has sent nothing, not even a pong, for the idle
 * timeout is closed with 1001, so a vanished browser does not hold its uid online.
 *
 * <p>Only what the page sends counts, never what it is sent: a page that only receives pushes sends nothing but
 * its pongs, so it must be pinged however busy the connection is.
 *
 * <p>One timer per event loop, not one per connection: each loop looks at its own connections every half ping
 * interval. A per-connection idle timer cost every idle connection two handlers, their pipeline contexts and a
 * scheduled task, about 350 bytes, a tenth of what an idle connection costs in all. So a page is pinged between
 * one and one and a half ping intervals after it last sent something, and closed at most half a ping interval
 * after the idle timeout. The pings and closes one look finds are sent in slices of {@value #PER_TASK}, each its
 * own task, so that the loop serves its sockets in between: pages that connected together are pinged together.
 */
public final class HeartbeatSweep implements AutoCloseable {

    static final int PER_TASK = 512;

    private final LocalSessions sessions;
    private final long pingIntervalNanos;
    private final long idleTimeoutNanos;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();

    public HeartbeatSweep(LocalSessions sessions, EventLoops loops, Duration pingInterval, Duration idleTimeout) {
        this.sessions = sessions;
        this.pingIntervalNanos = pingInterval.toNanos();
        this.idleTimeoutNanos = idleTimeout.toNanos();
        long tick = Math.max(1, pingIntervalNanos / 2);
        for (int i = 0; i < loops.size(); i++) {
            EventLoop loop = loops.get(i);
            timers.add(loop.scheduleAtFixedRate(() -> look(loop), tick, tick, TimeUnit.NANOSECONDS));
        }
    }

    /** On {@code loop}: finds its connections that are due a ping or a close, and handles them in slices. */
    private void look(EventLoop loop) {
        long now = System.nanoTime();
        List<Channel> due = new ArrayList<>();
        sessions.forEachChannel(ch -> {
            if (ch.eventLoop() == loop && due(ch, now) != Due.NOTHING) {
                due.add(ch);
            }
        });
        if (!due.isEmpty()) {
            handle(loop, due, 0);
        }
    }

    private void handle(EventLoop loop, List<Channel> due, int from) {
        int to = Math.min(due.size(), from + PER_TASK);
        long now = System.nanoTime();
        for (int i = from; i < to; i++) {
            Channel ch = due.get(i);
            switch (due(ch, now)) { // again: the page may have answered while earlier slices ran
                case CLOSE -> ch.writeAndFlush(new CloseWebSocketFrame(CloseCodes.GOING_AWAY, "idle timeout"))
                        .addListener(ChannelFutureListener.CLOSE);
                case PING -> {
                    ch.pipeline().get(SessionHandler.class).pinged(now);
                    ch.writeAndFlush(new PingWebSocketFrame()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                }
                case NOTHING -> { }
            }
        }
        if (to < due.size()) {
            loop.execute(() -> handle(loop, due, to));
        }
    }

    private enum Due { NOTHING, PING, CLOSE }

    private Due due(Channel ch, long now) {
        SessionHandler session = ch.pipeline().get(SessionHandler.class);
        if (session == null || !ch.isActive()) {
            return Due.NOTHING;
        }
        long silent = now - session.lastReadNanos();
        if (silent >= idleTimeoutNanos) {
            return Due.CLOSE;
        }
        return silent >= pingIntervalNanos && now - session.lastPingNanos() >= pingIntervalNanos ? Due.PING : Due.NOTHING;
    }

    @Override
    public void close() {
        timers.forEach(t -> t.cancel(false));
    }
}
