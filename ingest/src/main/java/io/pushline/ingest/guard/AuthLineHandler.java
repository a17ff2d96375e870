package io.pushline.ingest.guard;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.pushline.common.protocol.Replies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The shared-secret handshake: the first line must be {@code AUTH <secret>}. It is answered {@code ok} and this
 * handler leaves the pipeline, so the lines after it (even in the same write) are pushes. Anything else as the
 * first line, an over-long one included, is answered {@code fail} and the connection is closed. The secret is
 * compared in constant time. A connection that sends no valid AUTH line within the timeout is refused the same
 * way. One instance per connection.
 */
final class AuthLineHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(AuthLineHandler.class);
    private static final byte[] PREFIX = "AUTH ".getBytes(StandardCharsets.US_ASCII);

    private final byte[] expected;
    private final Duration timeout;
    private final IngestGuardStats stats;
    private boolean failed;
    private ScheduledFuture<?> deadline;

    /** @param secret the bytes after {@code AUTH } */
    AuthLineHandler(byte[] secret, Duration timeout, IngestGuardStats stats) {
        this.expected = concat(PREFIX, secret);
        this.timeout = timeout;
        this.stats = stats;
    }

    /** An unauthenticated connection gets a deadline, so it cannot hold one of the ingest's slots forever. */
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> refuse(ctx, "no AUTH line within " + timeout.toMillis() + " ms"),
                timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf line = (ByteBuf) msg;
        if (failed) {
            line.release(); // lines pipelined behind a failed AUTH, read before the close took effect
            return;
        }
        boolean ok;
        try {
            ok = MessageDigest.isEqual(expected, ByteBufUtil.getBytes(line));
        } finally {
            line.release();
        }
        if (ok) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(Replies.ok()));
            ctx.pipeline().remove(this);
        } else {
            refuse(ctx, "first line is not AUTH with the ingest secret");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        refuse(ctx, "first line failed: " + cause);
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        if (failed) {
            return;
        }
        failed = true;
        stats.authFailed();
        log.debug("ingest: closing {}: {}", ctx.channel().remoteAddress(), why);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(Replies.fail())).addListener(ChannelFutureListener.CLOSE);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
