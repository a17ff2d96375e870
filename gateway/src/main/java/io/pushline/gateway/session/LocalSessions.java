package io.pushline.gateway.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.AttributeKey;
import io.netty.util.CharsetUtil;
import io.pushline.broker.Broker;
import io.pushline.broker.DeliveryListener;
import io.micrometer.core.instrument.Timer;
import io.pushline.common.log.LogThrottle;
import io.pushline.common.netty.EventLoops;
import io.pushline.common.protocol.CloseCodes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * This node's uids and their connections: every tab and device of a uid gets its pushes. Subscribes a uid at the
 * broker on an event loop when its first connection on that loop binds, and unsubscribes it there when the last one
 * closes; the broker may then hand each loop the lines for its own connections.
 *
 * <p>Delivery encodes a line once as a frame and writes a retained duplicate to each connection, so N tabs cost
 * one copy of the payload. Every write to a page is made by its own event loop, through that loop's
 * {@link LoopOutbox}, which writes large broadcasts in slices and keeps each page's lines in order. A connection
 * whose outbound buffer is over the high-water mark is a slow consumer: it is closed with
 * {@link CloseCodes#SLOW_CONSUMER} rather than allowed to grow the heap.
 *
 * <p>Thread-safe: transitions for one uid are serialized by {@link ConcurrentHashMap#compute}, which also keeps
 * the broker calls for that uid in order; delivery reads the current connection array without locking.
 */
public final class LocalSessions implements DeliveryListener {

    private static final Logger log = LoggerFactory.getLogger(LocalSessions.class);
    private static final Channel[] NONE = new Channel[0];

    /**
     * Set on a page closed as a slow consumer. The protocol handler closes it only once its close frame is flushed,
     * or a loop turn later; the pushes written meanwhile still find it open, and must not count, log and close it
     * again.
     */
    private static final AttributeKey<Boolean> CLOSED_AS_SLOW = AttributeKey.valueOf("pushline.closed-as-slow");
    static final int DELIVERY_SAMPLE = 16;

    private final Map<String, Channel[]> byUid = new ConcurrentHashMap<>();
    private final AtomicInteger connections = new AtomicInteger();
    /** Bumped per frame by every broker thread: an adder, not a contended atomic. */
    private final LongAdder framesDelivered = new LongAdder();
    private final AtomicLong slowConsumersClosed = new AtomicLong();
    /** Joins whose subscription failed: during an outage every page that connects, so logged once a second at most. */
    private final LongAdder subscribeFailures = new LongAdder();
    private final LogThrottle subscribeFailureLog = new LogThrottle(Duration.ofSeconds(1));
    private final AtomicLong invalidLinesDropped = new AtomicLong();
    /** An operator's script publishing bad bytes would otherwise log a line per message. */
    private final LogThrottle invalidLineLog = new LogThrottle(Duration.ofMinutes(1));
    private final AtomicLong outboxOverflows = new AtomicLong();
    private volatile Broker broker;
    private volatile EventLoops loops;
    /** Per event loop, what it writes to its pages: every write to a page goes through its loop's outbox. */
    private volatile LoopOutbox[] outboxes;
    private volatile Timer deliveryLatency;

    /**
     * Set once, before the gateway accepts connections: the broker needs this registry as its listener first.
     *
     * @param loops the loops the gateway's connections run on, which a broadcast fans out over
     */
    public void attach(Broker broker, EventLoops loops) {
        LoopOutbox[] boxes = new LoopOutbox[loops.size()];
        for (int i = 0; i < boxes.length; i++) {
            boxes[i] = new LoopOutbox(loops.get(i), this);
        }
        this.outboxes = boxes;
        this.broker = broker;
        this.loops = loops;
    }

    /**
     * Records, for one frame in {@value #DELIVERY_SAMPLE}, the time from the broker handing the line over to the
     * frame being written to the socket: the queueing a busy event loop adds. A sample, because timing every
     * frame would cost a promise and a listener per frame.
     */
    public void recordDeliveryLatency(Timer timer) {
        this.deliveryLatency = timer;
    }

    /** {@code channel} runs on one of the loops given to {@link #attach}. */
    public void bind(String uid, Channel channel) {
        int loop = loopOf(channel);
        byUid.compute(uid, (k, channels) -> {
            if (channels == null) {
                subscribe(uid, loop);
                return new Channel[] {channel};
            }
            if (!anyOn(channels, channel.eventLoop())) {
                subscribe(uid, loop);
            }
            Channel[] more = Arrays.copyOf(channels, channels.length + 1);
            more[channels.length] = channel;
            return more;
        });
        connections.incrementAndGet();
    }

    public void unbind(String uid, Channel channel) {
        boolean[] removed = {false};
        byUid.computeIfPresent(uid, (k, channels) -> {
            Channel[] rest = without(channels, channel);
            removed[0] = rest.length != channels.length;
            if (removed[0] && !anyOn(rest, channel.eventLoop())) {
                broker.unsubscribe(uid, loopOf(channel));
            }
            return rest.length == 0 ? null : rest;
        });
        if (removed[0]) {
            connections.decrementAndGet();
        }
    }

    /** The broker is told per uid and loop: it may receive each loop's lines on that loop (see {@link Broker}). */
    private void subscribe(String uid, int loop) {
        broker.subscribe(uid, loop).exceptionally(e -> {
            subscribeFailures.increment();
            if (subscribeFailureLog.allow()) {
                log.warn("gateway: subscribing uid {} failed ({}); it is retried when Redis answers ({} such joins so far; "
                        + "at most one line a second here)", uid, e.getMessage(), subscribeFailures.sum());
            }
            return null;
        });
    }

    private int loopOf(Channel channel) {
        int loop = loops.indexOf(channel.eventLoop());
        if (loop < 0) {
            throw new IllegalArgumentException("gateway: connection " + channel + " is not on one of the node's event loops");
        }
        return loop;
    }

    private static boolean anyOn(Channel[] channels, EventLoop loop) {
        for (Channel ch : channels) {
            if (ch.eventLoop() == loop) {
                return true;
            }
        }
        return false;
    }

    private static Channel[] without(Channel[] channels, Channel channel) {
        for (int i = 0; i < channels.length; i++) {
            if (channels[i] == channel) {
                if (channels.length == 1) {
                    return NONE;
                }
                Channel[] rest = new Channel[channels.length - 1];
                System.arraycopy(channels, 0, rest, 0, i);
                System.arraycopy(channels, i + 1, rest, i, channels.length - i - 1);
                return rest;
            }
        }
        return channels;
    }

    /**
     * The connections of every bound uid, whatever their loop, one array per uid. Weakly consistent, like the map
     * it reads: it never throws on a concurrent change, so it can be walked a part at a time.
     */
    Iterator<Channel[]> connectionsByUid() {
        return byUid.values().iterator();
    }

    @Override
    public void onPush(String uid, byte[] line, int loop) {
        Channel[] channels = byUid.get(uid);
        LoopOutbox[] boxes = outboxes;
        if (channels == null || boxes == null) {
            return;
        }
        long since = System.nanoTime();
        deliver(uid, line, frame -> {
            if (loop != EVERY_LOOP) {
                handTo(boxes[loop], frame, (box, f) -> box.push(channels, f, since));
                return;
            }
            for (LoopOutbox box : boxes) {
                if (anyOn(channels, box.loop())) {
                    handTo(box, frame, (b, f) -> b.push(channels, f, since));
                }
            }
        });
    }

    /**
     * A broadcast for one loop is handed to that loop's outbox; the broker calls it on that loop, and hands the
     * pushes that follow it to the same outbox, after it.
     *
     * <p>A broadcast for every loop is handed to every loop, which writes it to its own pages, in parallel: one
     * thread writing to all of them would make half of the writes cross-thread tasks and do every socket write on
     * one core. The delivering thread's own loop gets it last, so that the other loops start first; each loop
     * takes it in turn with the lines handed to it before and after ({@link LoopOutbox#inTurn}).
     */
    @Override
    public void onBroadcast(byte[] line, int loop) {
        LoopOutbox[] boxes = outboxes;
        if (boxes == null) {
            return;
        }
        long since = System.nanoTime();
        deliver(null, line, frame -> {
            if (loop != EVERY_LOOP) {
                handTo(boxes[loop], frame, (box, f) -> box.broadcast(f, since));
                return;
            }
            LoopOutbox own = null;
            for (LoopOutbox box : boxes) {
                if (box.loop().inEventLoop()) {
                    own = box;
                } else {
                    handTo(box, frame, (b, f) -> b.broadcast(f, since));
                }
            }
            if (own != null) {
                handTo(own, frame, (b, f) -> b.broadcast(f, since));
            }
        });
    }

    /** Runs {@code action} on the outbox's loop, in turn, with a reference to {@code frame} of its own. */
    private static void handTo(LoopOutbox box, TextWebSocketFrame frame, BiConsumer<LoopOutbox, TextWebSocketFrame> action) {
        TextWebSocketFrame own = frame.retain();
        if (!box.inTurn(() -> action.accept(box, own))) {
            own.release();
        }
    }

    /** @param uid the line's uid, or null for a broadcast */
    private void deliver(String uid, byte[] line, Consumer<TextWebSocketFrame> fanOut) {
        ByteBuf content = Unpooled.wrappedBuffer(line);
        // Lines from the ingest are valid JSON, but an operator's PUBLISH may not be valid UTF-8, and a browser
        // fails the whole connection (1007) on such a text frame: drop the line instead.
        if (!ByteBufUtil.isText(content, CharsetUtil.UTF_8)) {
            long dropped = invalidLinesDropped.incrementAndGet();
            if (invalidLineLog.allow()) {
                log.warn("gateway: dropped a line published {} that is not valid UTF-8 ({} bytes; {} such lines dropped "
                        + "since start, logged once a minute)", uid == null ? "to every page" : "for uid " + uid,
                        line.length, dropped);
            }
            return;
        }
        TextWebSocketFrame frame = new TextWebSocketFrame(content);
        try {
            fanOut.accept(frame);
        } finally {
            frame.release();
        }
    }

    /**
     * Writes a frame to a page, on the page's loop (its {@link LoopOutbox} calls this), or closes a slow consumer.
     *
     * @param since when the broker handed the line over, for the delivery latency
     */
    void write(Channel ch, TextWebSocketFrame frame, long since) {
        if (ch.isWritable()) {
            Timer timer = deliveryLatency;
            if (timer != null && ThreadLocalRandom.current().nextInt(DELIVERY_SAMPLE) == 0) {
                ch.writeAndFlush(frame.retainedDuplicate())
                        .addListener(f -> timer.record(System.nanoTime() - since, TimeUnit.NANOSECONDS));
            } else {
                ch.writeAndFlush(frame.retainedDuplicate(), ch.voidPromise());
            }
            framesDelivered.increment();
        } else if (ch.isActive() && ch.attr(CLOSED_AS_SLOW).setIfAbsent(Boolean.TRUE) == null) {
            slowConsumersClosed.incrementAndGet();
            log.info("gateway: closing slow consumer {} ({} bytes queued, limit {})", ch.remoteAddress(),
                    ch.unsafe().outboundBuffer() == null ? 0 : ch.unsafe().outboundBuffer().totalPendingWriteBytes(),
                    ch.config().getWriteBufferHighWaterMark());
            ch.writeAndFlush(new CloseWebSocketFrame(CloseCodes.SLOW_CONSUMER, "slow consumer"));
            ch.close();
        }
    }

    /**
     * Sends every bound connection a close frame with {@code code}, then a FIN, but keeps reading; used at
     * shutdown. The page answers with its own close frame, and the protocol handler then closes the connection
     * (or closes it at its force-close timeout). Two ways to get this wrong, both seen with Chromium, which then
     * reports 1006 instead of {@code code}: closing the socket right after the frame resets the page's answer, and
     * staying fully open lets the protocol handler echo the page's answer as a second close frame, which the
     * browser rejects as a protocol error. After the FIN that echo cannot be written.
     *
     * @return the connections' close futures, to wait on
     */
    public List<ChannelFuture> closeAll(int code, String reason) {
        List<ChannelFuture> closing = new ArrayList<>();
        byUid.values().forEach(channels -> {
            for (Channel ch : channels) {
                // The listener is on the promise before the write starts, so the FIN follows the frame within
                // the same event-loop task. Added after writeAndFlush returns, it could run as a later task, after
                // the loop has already read the page's answer and echoed it.
                ChannelPromise sent = ch.newPromise();
                sent.addListener(f -> halfClose(ch));
                ch.writeAndFlush(new CloseWebSocketFrame(code, reason), sent);
                closing.add(ch.closeFuture());
            }
        });
        return closing;
    }

    private static void halfClose(Channel ch) {
        if (ch instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
        } else {
            ch.close();
        }
    }

    public int connections() {
        return connections.get();
    }

    public int uids() {
        return byUid.size();
    }

    public long framesDelivered() {
        return framesDelivered.sum();
    }

    public long slowConsumersClosed() {
        return slowConsumersClosed.get();
    }

    public long invalidLinesDropped() {
        return invalidLinesDropped.get();
    }

    /** Broadcasts a loop wrote to its remaining pages at once, because too many pushes waited behind them. */
    public long outboxOverflows() {
        return outboxOverflows.get();
    }

    long outboxOverflowed() {
        return outboxOverflows.incrementAndGet();
    }
}
