package io.pushline.gateway.session;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.pushline.common.log.LogThrottle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one event loop writes to its own pages, in the order it was handed over. A broadcast is written a slice of
 * {@link #SLICE} pages at a time, the next slice scheduled after the loop has served its sockets: written at once,
 * a broadcast to 10,000 pages held a loop for 100 ms and more on a small machine, and the ingest's replies, reads
 * and pings on that loop waited for all of it.
 *
 * <p>A page never receives a push before a broadcast published ahead of it. A push handed over while a broadcast
 * is being written does not wait for the broadcast's other pages: the broadcast is written to the push's pages
 * first, if its slices have not reached them yet, then the push, and the slices skip those pages. Only a second
 * broadcast waits for the first, and the pushes handed over after it wait with it: they must not overtake it.
 *
 * <p>Used only on its loop, so it needs no lock, but for {@link #inTurn}, which any thread calls. It owns one
 * reference to every frame handed to it.
 */
final class LoopOutbox {

    private static final Logger log = LoggerFactory.getLogger(LoopOutbox.class);
    /** The mark of the last broadcast written to a page; only its loop reads or writes it. */
    private static final AttributeKey<Object> WRITTEN = AttributeKey.valueOf("pushline.broadcast-written");

    /** Pages written per slice of a broadcast: a few milliseconds of socket writes. */
    static final int SLICE = 512;
    /**
     * Deliveries, and bytes of them, that may wait behind a broadcast (a line is up to 64 KiB). Past either, the
     * broadcast being written is finished at once and everything waiting written after it: the loop stalls, as it
     * did before slices, rather than hold without bound.
     */
    static final int MAX_WAITING = 65_536;
    static final long MAX_WAITING_BYTES = 8L * 1024 * 1024;

    private final EventLoop loop;
    private final LocalSessions sessions;
    /** Deliveries {@link #inTurn} queued to the loop that have not run yet; the one field other threads touch. */
    private final AtomicInteger queued = new AtomicInteger();
    /**
     * Pushes ({@code channels} set) and broadcasts ({@code channels} null) that wait for the one being written: a
     * broadcast, and whatever was handed over after it.
     */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private long waitingBytes;
    private final LogThrottle overflowLog = new LogThrottle(Duration.ofSeconds(1));
    /** The broadcast being written, when it was handed over, and where it is. */
    private TextWebSocketFrame broadcast;
    private long broadcastSince;
    private Iterator<Channel[]> cursor;
    /**
     * The broadcast under way's own mark, which each page it is written to gets in {@link #WRITTEN}, by its slices or
     * ahead of them for a push: each page is written to once. A mark per page, not a set of the pages reached: the
     * set took about 4% of the node's CPU during a broadcast (hashing, a node per page, garbage; docs/benchmarks.md,
     * sixteenth pass), the mark costs a lookup among the page's few attributes and a field write.
     */
    private Object mark;
    private boolean sliceScheduled;

    private record Waiting(Channel[] channels, TextWebSocketFrame frame, long since) {
    }

    LoopOutbox(EventLoop loop, LocalSessions sessions) {
        this.loop = loop;
        this.sessions = sessions;
    }

    EventLoop loop() {
        return loop;
    }

    /**
     * Runs {@code delivery} on this loop after every delivery handed over before it: at once when called on the
     * loop with none of those still queued, else as a task. Run at once while one waited in the queue, it would
     * overtake a line that another thread published first, and whose {@code ok} the PHP client had already read:
     * a script that pushed twice, over two connections read on different loops, had its second push arrive first
     * ({@code PushlineContract.pushesAnsweredInTurnOverSeparateConnectionsArriveInThatOrder}). Queued every time,
     * the loop's own deliveries cost the embedded node 13% of its pipelined pushes; at once when nothing waits, 7%
     * (docs/benchmarks.md, seventeenth pass).
     *
     * @return false when the loop takes no more tasks: it is stopping with the gateway, and its pages with it
     */
    boolean inTurn(Runnable delivery) {
        if (loop.inEventLoop() && queued.get() == 0) {
            delivery.run();
            return true;
        }
        queued.incrementAndGet();
        try {
            loop.execute(() -> {
                queued.decrementAndGet();
                delivery.run();
            });
            return true;
        } catch (RejectedExecutionException e) {
            queued.decrementAndGet();
            return false;
        }
    }

    /**
     * Writes {@code frame} to those of {@code channels} on this loop, after what was handed over before.
     *
     * @param since {@link System#nanoTime()} when the broker handed the line over
     */
    void push(Channel[] channels, TextWebSocketFrame frame, long since) {
        if (waiting.isEmpty()) {
            try {
                writeAhead(channels);
                writeTo(channels, frame, since, false);
            } finally {
                frame.release();
            }
        } else {
            hold(new Waiting(channels, frame, since));
        }
    }

    /** Writes the broadcast under way, if any, to those of {@code channels} its slices have not reached yet. */
    private void writeAhead(Channel[] channels) {
        if (broadcast == null) {
            return;
        }
        for (Channel ch : channels) {
            if (ch.eventLoop() == loop && marked(ch)) {
                sessions.write(ch, broadcast, broadcastSince);
            }
        }
    }

    /** Writes {@code frame} to every page of this loop, after what was handed over before. */
    void broadcast(TextWebSocketFrame frame, long since) {
        if (idle()) {
            start(frame, since);
            writeOn(SLICE);
        } else {
            hold(new Waiting(null, frame, since));
        }
    }

    private boolean idle() {
        return broadcast == null && waiting.isEmpty();
    }

    private void hold(Waiting w) {
        waiting.add(w);
        waitingBytes += w.frame().content().readableBytes();
        if (waiting.size() > MAX_WAITING || waitingBytes > MAX_WAITING_BYTES) {
            long overflows = sessions.outboxOverflowed();
            if (overflowLog.allow()) {
                log.warn("gateway: {} broadcasts and pushes ({} bytes) waited behind a broadcast on {}, over the limit "
                        + "of {} or {} bytes; writing them to their remaining pages at once ({} times so far; at most "
                        + "one line a second)",
                        waiting.size(), waitingBytes, loop, MAX_WAITING, MAX_WAITING_BYTES, overflows);
            }
            writeOn(Integer.MAX_VALUE);
        }
    }

    private void start(TextWebSocketFrame frame, long since) {
        broadcast = frame;
        broadcastSince = since;
        cursor = sessions.connectionsByUid();
        mark = new Object();
    }

    /** Gives {@code ch} the broadcast under way's mark; false when it had it: the broadcast was written to it. */
    private boolean marked(Channel ch) {
        Attribute<Object> written = ch.attr(WRITTEN);
        if (written.get() == mark) {
            return false;
        }
        written.set(mark);
        return true;
    }

    /**
     * Writes what is pending, in order: the broadcast under way a {@code slice} of pages at a time, then what
     * waited behind it. Stops at a slice boundary with pages left, and schedules the rest.
     */
    private void writeOn(int slice) {
        while (true) {
            if (broadcast != null) {
                writePushesAhead();
                if (!writeSlice(slice)) {
                    scheduleNextSlice();
                    return;
                }
                broadcast.release();
                broadcast = null;
                cursor = null;
                mark = null;
            }
            Waiting next = waiting.poll();
            if (next == null) {
                return;
            }
            waitingBytes -= next.frame().content().readableBytes();
            if (next.channels() == null) {
                start(next.frame(), next.since());
            } else {
                try {
                    writeTo(next.channels(), next.frame(), next.since(), false);
                } finally {
                    next.frame().release();
                }
            }
        }
    }

    /**
     * The pushes that waited for the broadcast now under way (they came after it, behind an earlier one) need not
     * wait for all its slices either: up to the next broadcast waiting, each goes with the broadcast written ahead.
     */
    private void writePushesAhead() {
        Waiting next;
        while ((next = waiting.peek()) != null && next.channels() != null) {
            waiting.poll();
            waitingBytes -= next.frame().content().readableBytes();
            try {
                writeAhead(next.channels());
                writeTo(next.channels(), next.frame(), next.since(), false);
            } finally {
                next.frame().release();
            }
        }
    }

    /** @return whether the broadcast under way is written to all its pages */
    private boolean writeSlice(int slice) {
        int written = 0;
        while (written < slice && cursor.hasNext()) {
            written += writeTo(cursor.next(), broadcast, broadcastSince, true);
        }
        return !cursor.hasNext();
    }

    /**
     * Scheduled, not executed: Netty runs the tasks queued while it runs tasks in the same pass, so an executed
     * slice would follow the last one before the loop serves its sockets again.
     */
    private void scheduleNextSlice() {
        if (!sliceScheduled) {
            sliceScheduled = true;
            try {
                loop.schedule(() -> {
                    sliceScheduled = false;
                    writeOn(SLICE);
                }, 0, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                sliceScheduled = false;
                writeOn(Integer.MAX_VALUE); // the loop is stopping with the gateway: finish now rather than never
            }
        }
    }

    /**
     * Writes {@code frame} to those of {@code channels} on this loop, and counts them; with {@code once} (the
     * broadcast under way), only to those without its mark, which they then get.
     */
    private int writeTo(Channel[] channels, TextWebSocketFrame frame, long since, boolean once) {
        int written = 0;
        for (Channel ch : channels) {
            if (ch.eventLoop() == loop && (!once || marked(ch))) {
                sessions.write(ch, frame, since);
                written++;
            }
        }
        return written;
    }
}
