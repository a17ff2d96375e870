package io.pushline.ingest.line;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
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
 * Turns each line into a publish per target and answers {@code ok}/{@code fail} in line order, however the
 * broker's answers interleave. The connection is not read (TCP back-pressure reaches the client), so no queue here
 * can grow without bound, while:
 * <ul>
 *   <li>{@code maxInFlight} publishes (one per target uid, so a line of 1,000 uids counts 1,000) or lines of the
 *   connection await their reply, until half of them are answered;</li>
 *   <li>the client is not reading its replies;</li>
 *   <li>the event loop's {@link PublishBudget}, shared with its other connections, is spent: the line that did not
 *   fit, and any read after it, are held in order and published when answers free the budget.</li>
 * </ul>
 * A line whose fan-out (targets times length) passes {@code maxFanoutBytes} is answered {@code fail} at once.
 *
 * <p>When the client shuts its output down after its lines (PHP's {@code stream_socket_shutdown(STREAM_SHUT_WR)},
 * {@code nc -N}) the connection stays half open: every line already read is answered, then it closes, as when the
 * ingest stops. One instance per connection; all state is touched only on the connection's event loop.
 */
public final class PushLineHandler extends ChannelInboundHandlerAdapter implements PublishBudget.Waiter {

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

    /** A line read while the loop's budget was spent: published, in order, when the budget frees. */
    private record HeldLine(PushTarget target, byte[] bytes, int targets, long cost, CompletableFuture<Boolean> reply) {
    }

    private final Broker broker;
    private final IngestStats stats;
    private final LineLimits limits;
    private final PublishBudgets budgets;
    private final ArrayDeque<CompletableFuture<Boolean>> awaitingReply = new ArrayDeque<>();
    private final ArrayDeque<HeldLine> held = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private PublishBudget budget;
    private int publishesInFlight;
    private boolean waitingForBudget;
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

    public PushLineHandler(Broker broker, IngestStats stats, LineLimits limits, PublishBudgets budgets) {
        this.broker = broker;
        this.stats = stats;
        this.limits = limits;
        this.budgets = budgets;
    }

    /** Without a fan-out cap or a loop budget: for tests of the line handling alone. */
    public PushLineHandler(Broker broker, IngestStats stats, int maxInFlight, int maxLineLength) {
        this(broker, stats, LineLimits.of(maxInFlight, maxLineLength), PublishBudgets.unlimited());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.budget = budgets.of(ctx.channel().eventLoop());
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
            trimCarriageReturns(line);
            if (line.readableBytes() > limits.maxLineLength()) {
                throw new InvalidLineException(InvalidLineException.Reason.TOO_LONG, "line over " + limits.maxLineLength() + " bytes");
            }
            byte[] bytes = ByteBufUtil.getBytes(line);
            reply = admit(ctx, PushLineParser.parse(bytes, 0, bytes.length), bytes);
        } catch (InvalidLineException e) {
            stats.refused(e.reason());
            log.debug("ingest: refused a line from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
            reply = REFUSED;
        } finally {
            line.release();
        }
        enqueue(ctx, reply);
    }

    /**
     * Drops every carriage return that ends the line, as the seed does ({@code rtrim($buffer, "\r\n")}); the
     * decoder strips one line ending, and a line that ended in two carriage returns reached the page with one.
     */
    private static void trimCarriageReturns(ByteBuf line) {
        int end = line.writerIndex();
        while (end > line.readerIndex() && line.getByte(end - 1) == '\r') {
            end--;
        }
        line.writerIndex(end);
    }

    /** Publishes a valid line now, holds it for the loop's budget, or refuses it for its fan-out. */
    private CompletableFuture<Boolean> admit(ChannelHandlerContext ctx, PushTarget target, byte[] bytes) {
        int targets = target.broadcast() ? 1 : target.uids().size(); // a broadcast is one PUBLISH
        long cost = (long) targets * bytes.length;
        if (cost > limits.maxFanoutBytes()) {
            stats.fanoutRefused(bytes.length, targets, limits.maxFanoutBytes(), ctx.channel().remoteAddress());
            return REFUSED;
        }
        if (held.isEmpty() && budget.tryAcquire(targets, cost)) {
            return publishCounted(ctx, target, bytes, targets, cost);
        }
        // The loop's budget is spent (or this connection already holds lines, which go first): hold the line and
        // stop reading; lines already in this read are held behind it, so they are still published in order.
        HeldLine h = new HeldLine(target, bytes, targets, cost, new CompletableFuture<>());
        held.add(h);
        ctx.channel().config().setAutoRead(false);
        if (!waitingForBudget) {
            waitingForBudget = true;
            budget.await(this);
        }
        return h.reply();
    }

    /** Called by the loop's budget when answers freed some of it. */
    @Override
    public boolean publishHeld() {
        if (!ctx.channel().isActive()) {
            held.clear(); // nobody to answer; the budget was never taken for these
            waitingForBudget = false;
            return true;
        }
        HeldLine h;
        while ((h = held.peek()) != null && budget.acquireIfRoom(h.targets(), h.cost())) {
            held.poll();
            CompletableFuture<Boolean> reply = h.reply();
            publishCounted(ctx, h.target(), h.bytes(), h.targets(), h.cost()).whenComplete((r, e) -> {
                if (e != null) {
                    reply.completeExceptionally(e);
                } else {
                    reply.complete(r);
                }
            });
        }
        if (!held.isEmpty()) {
            return false;
        }
        waitingForBudget = false;
        resumeReadingIfCaughtUp(ctx);
        return true;
    }

    /** Publishes with the budget already taken; gives it back, on this loop, when the broker answers. */
    private CompletableFuture<Boolean> publishCounted(ChannelHandlerContext ctx, PushTarget target, byte[] bytes, int targets, long cost) {
        publishesInFlight += targets;
        long started = System.nanoTime();
        CompletableFuture<Boolean> reply;
        try {
            reply = publish(target, bytes);
        } catch (RuntimeException e) {
            reply = CompletableFuture.failedFuture(e);
        }
        reply.whenComplete((r, e) -> {
            stats.publishTook(System.nanoTime() - started);
            if (ctx.executor().inEventLoop()) {
                answered(ctx, targets, cost);
            } else {
                ctx.executor().execute(() -> answered(ctx, targets, cost));
            }
        });
        return reply;
    }

    private void answered(ChannelHandlerContext ctx, int targets, long cost) {
        publishesInFlight -= targets;
        budget.release(targets, cost);
        resumeReadingIfCaughtUp(ctx);
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
        if (awaitingReply.size() >= limits.maxInFlight() || publishesInFlight >= limits.maxInFlight()) {
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
        // The client shut its output down (FIN after its lines; the ingest allows half-closed connections): it
        // sends nothing more but still reads, so its lines are answered as on a stop, then the connection closes.
        if (evt == DRAIN || evt instanceof ChannelInputShutdownEvent) {
            draining = true;
            ctx.channel().config().setAutoRead(false);
            closeIfDrained(ctx);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (waitingForBudget) {
            waitingForBudget = false;
            budget.cancel(this);
        }
        held.clear();
        super.channelInactive(ctx);
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
        int half = limits.maxInFlight() / 2;
        if (!draining && held.isEmpty() && !ctx.channel().config().isAutoRead() && awaitingReply.size() <= half
                && publishesInFlight <= half && ctx.channel().isWritable()) {
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
