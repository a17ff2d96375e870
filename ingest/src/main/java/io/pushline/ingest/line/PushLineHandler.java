package io.pushline.ingest.line;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.pushline.broker.Broker;
import io.pushline.common.protocol.InvalidLineException;
import io.pushline.common.protocol.PushLineParser;
import io.pushline.common.protocol.PushTarget;
import io.pushline.common.protocol.Replies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Turns each line into a publish and answers {@code ok}/{@code fail} in line order, however the broker's
 * answers interleave. At most {@code maxInFlight} lines await a reply; past that, and while the client is not
 * reading its replies, the connection is not read (TCP back-pressure reaches the client) so no queue here can
 * grow without bound.
 *
 * <p>One instance per connection; all state is touched only on the connection's event loop.
 */
public final class PushLineHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(PushLineHandler.class);
    private static final ByteBuf OK = reply(Replies.ok());
    private static final ByteBuf FAIL = reply(Replies.fail());
    private static final CompletableFuture<Boolean> REFUSED = CompletableFuture.completedFuture(false);

    /**
     * Direct memory: the socket transports write a heap buffer by copying it into a new direct one first, which
     * for the commonest write of the ingest was an allocation, a copy and a release per reply.
     */
    private static ByteBuf reply(byte[] text) {
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(text.length).writeBytes(text)).asReadOnly();
    }

    private final Broker broker;
    private final IngestStats stats;
    private final int maxInFlight;
    private final int maxLineLength;
    private final ArrayDeque<CompletableFuture<Boolean>> awaitingReply = new ArrayDeque<>();
    private boolean unflushed;
    private boolean flushQueued;
    private boolean draining;

    /**
     * Fired at every connection when the ingest stops: read no more lines, answer the ones already read, then
     * close. Must be fired on the connection's event loop.
     */
    public static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    public PushLineHandler(Broker broker, IngestStats stats, int maxInFlight, int maxLineLength) {
        this.broker = broker;
        this.stats = stats;
        this.maxInFlight = maxInFlight;
        this.maxLineLength = maxLineLength;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof RefusedLine) {
            enqueue(ctx, REFUSED); // a guard refused it; its fail still waits for the lines before it
            return;
        }
        ByteBuf line = (ByteBuf) msg;
        CompletableFuture<Boolean> reply;
        try {
            if (line.readableBytes() > maxLineLength) {
                throw new InvalidLineException(InvalidLineException.Reason.TOO_LONG, "line over " + maxLineLength + " bytes");
            }
            byte[] bytes = ByteBufUtil.getBytes(line);
            PushTarget target = PushLineParser.parse(bytes, 0, bytes.length);
            long started = System.nanoTime();
            reply = publish(target, bytes);
            reply.whenComplete((r, e) -> stats.publishTook(System.nanoTime() - started));
        } catch (InvalidLineException e) {
            stats.refused(e.reason());
            log.debug("ingest: refused a line from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
            reply = REFUSED;
        } finally {
            line.release();
        }
        enqueue(ctx, reply);
    }

    private CompletableFuture<Boolean> publish(PushTarget target, byte[] line) {
        if (target.broadcast()) {
            return broker.broadcast(line);
        }
        List<String> uids = target.uids();
        if (uids.size() == 1) {
            return broker.publish(uids.get(0), line);
        }
        @SuppressWarnings("unchecked")
        CompletableFuture<Boolean>[] each = new CompletableFuture[uids.size()];
        for (int i = 0; i < each.length; i++) {
            each[i] = broker.publish(uids.get(i), line);
        }
        // ok when at least one uid was online; an error on one uid must not hide another's delivery.
        return CompletableFuture.allOf(each).handle((v, e) -> {
            boolean anyOnline = false;
            for (CompletableFuture<Boolean> f : each) {
                anyOnline |= !f.isCompletedExceptionally() && f.join();
            }
            if (!anyOnline && e != null) {
                throw new IllegalStateException(e);
            }
            return anyOnline;
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            stats.refused(InvalidLineException.Reason.TOO_LONG);
            log.debug("ingest: refused an over-long line from {}", ctx.channel().remoteAddress());
            enqueue(ctx, REFUSED);
            return;
        }
        if (cause instanceof IOException) {
            // The client went away: a reset, or (on io_uring, whose writes complete after the read that saw the
            // FIN) a reply written after it closed, as a PHP script does that writes its line and exits.
            log.debug("ingest: closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("ingest: closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }

    private void enqueue(ChannelHandlerContext ctx, CompletableFuture<Boolean> reply) {
        awaitingReply.add(reply);
        if (reply.isDone()) {
            writeReadyReplies(ctx);
        } else {
            reply.whenComplete((r, e) -> {
                if (ctx.executor().inEventLoop()) {
                    writeReadyRepliesAndFlushLater(ctx);
                } else {
                    ctx.executor().execute(() -> writeReadyRepliesAndFlushLater(ctx));
                }
            });
        }
        if (awaitingReply.size() >= maxInFlight) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** Writes the replies that are ready, in order, stopping at the first line still awaiting the broker. */
    private void writeReadyReplies(ChannelHandlerContext ctx) {
        CompletableFuture<Boolean> head;
        while ((head = awaitingReply.peek()) != null && head.isDone()) {
            awaitingReply.poll();
            boolean ok = false;
            if (head.isCompletedExceptionally()) {
                stats.brokerError(head.handle((r, e) -> e).join());
            } else if (head != REFUSED) {
                ok = head.join();
                if (ok) {
                    stats.ok();
                } else {
                    stats.offline();
                }
            }
            ctx.write((ok ? OK : FAIL).duplicate(), ctx.voidPromise());
            unflushed = true;
        }
        resumeReadingIfCaughtUp(ctx);
        if (draining) {
            closeIfDrained(ctx);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == DRAIN) {
            draining = true;
            ctx.channel().config().setAutoRead(false);
            closeIfDrained(ctx);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void closeIfDrained(ChannelHandlerContext ctx) {
        if (awaitingReply.isEmpty() && ctx.channel().isActive()) {
            unflushed = false;
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /**
     * Writes the replies that are ready and flushes them at the end of this event-loop turn, not now: Redis
     * answers a batch of pushes in one read, and their replies then leave in one write instead of one each.
     */
    private void writeReadyRepliesAndFlushLater(ChannelHandlerContext ctx) {
        writeReadyReplies(ctx);
        if (unflushed && !flushQueued) {
            flushQueued = true;
            ctx.executor().execute(() -> {
                flushQueued = false;
                flush(ctx);
            });
        }
    }

    private void flush(ChannelHandlerContext ctx) {
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    private void resumeReadingIfCaughtUp(ChannelHandlerContext ctx) {
        if (!draining && !ctx.channel().config().isAutoRead() && awaitingReply.size() <= maxInFlight / 2 && ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Replies ready during one read burst leave in one write: a pipelining client costs one syscall per burst.
        flush(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            ctx.channel().config().setAutoRead(false); // the client is not reading its replies
        } else {
            resumeReadingIfCaughtUp(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }
}
