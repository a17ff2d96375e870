package io.pushline.gateway.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.common.netty.EventLoops;
import io.pushline.common.protocol.CloseCodes;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
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
 * after the idle timeout, plus the spread below.
 *
 * <p>Pages that connected together are due together, and each ping brings a pong to read: 9,000 pings written in
 * one go, and their 9,000 pongs, held up the pushes on that loop for tens to hundreds of milliseconds. So the pings
 * and closes one look finds go out in slices of {@value #PER_SLICE}, spread over a quarter of the time between two
 * looks (a few seconds), and the loop serves its sockets between two slices. The look itself walks the node's uids
 * {@value #UIDS_PER_SCAN} at a time, the same way.
 */
public final class HeartbeatSweep implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HeartbeatSweep.class);

    static final int PER_SLICE = 64;
    static final int UIDS_PER_SCAN = 1_024;

    private final LocalSessions sessions;
    private final long pingIntervalNanos;
    private final long idleTimeoutNanos;
    /** How long the slices of one look may take in all: a quarter of the time between two looks. */
    private final long spreadNanos;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();

    public HeartbeatSweep(LocalSessions sessions, EventLoops loops, Duration pingInterval, Duration idleTimeout) {
        this.sessions = sessions;
        this.pingIntervalNanos = pingInterval.toNanos();
        this.idleTimeoutNanos = idleTimeout.toNanos();
        long tick = Math.max(1, pingIntervalNanos / 2);
        this.spreadNanos = tick / 4;
        for (int i = 0; i < loops.size(); i++) {
            EventLoop loop = loops.get(i);
            timers.add(loop.scheduleAtFixedRate(() -> look(loop), tick, tick, TimeUnit.NANOSECONDS));
        }
    }

    /** On {@code loop}: finds its connections that are due a ping or a close, and handles them in slices. */
    private void look(EventLoop loop) {
        try {
            scan(loop, sessions.connectionsByUid(), System.nanoTime(), new ArrayList<>());
        } catch (RuntimeException e) {
            // An exception escaping a fixed-rate task cancels every later run, silently: no page of this loop
            // would be pinged or closed again.
            log.error("gateway: heartbeat look on {} failed; the next look runs as planned", loop, e);
        }
    }

    /**
     * Looks at the next {@value #UIDS_PER_SCAN} uids, then lets the loop serve its sockets before the next part:
     * every loop walks every uid of the node to find its own, and a million of them in one go would hold it for
     * about a tenth of a second (an estimate at 100 ns a connection; not measured, the machines here stop at 20,000).
     */
    private void scan(EventLoop loop, Iterator<Channel[]> uids, long now, List<Channel> due) {
        for (int seen = 0; seen < UIDS_PER_SCAN && uids.hasNext(); seen++) {
            for (Channel ch : uids.next()) {
                if (ch.eventLoop() == loop && due(ch, now) != Due.NOTHING) {
                    due.add(ch);
                }
            }
        }
        if (uids.hasNext()) {
            loop.schedule(() -> scan(loop, uids, now, due), 0, TimeUnit.NANOSECONDS);
        } else if (!due.isEmpty()) {
            int slices = (due.size() + PER_SLICE - 1) / PER_SLICE;
            handle(loop, due, 0, spreadNanos / slices);
        }
    }

    private void handle(EventLoop loop, List<Channel> due, int from, long gapNanos) {
        int to = Math.min(due.size(), from + PER_SLICE);
        long now = System.nanoTime();
        for (int i = from; i < to; i++) {
            Channel ch = due.get(i);
            switch (due(ch, now)) { // again: the page may have answered while earlier slices ran
                case CLOSE -> close(ch);
                case PING -> {
                    ch.pipeline().get(SessionHandler.class).pinged(now);
                    ch.writeAndFlush(new PingWebSocketFrame()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                }
                case NOTHING -> { }
            }
        }
        if (to < due.size()) {
            // Scheduled, even with no gap, never execute()d: a loop runs the tasks queued while it runs tasks in
            // the same pass, for up to a second (Netty's task quantum), so the slices would run back to back.
            loop.schedule(() -> handle(loop, due, to, gapNanos), gapNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Its close frame, then the close, at once: the frame leaves with the flush when the socket takes it. Waiting for
     * the write to complete, as this did, waited forever for a page that stopped reading: its frame queued behind the
     * rest of its outbound buffer, and the connection, its file and its uid's presence stayed.
     */
    private static void close(Channel ch) {
        ch.writeAndFlush(new CloseWebSocketFrame(CloseCodes.GOING_AWAY, "idle timeout"));
        ch.close();
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
