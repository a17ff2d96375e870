package io.pushline.gateway.session;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.common.protocol.CloseCodes;
import io.pushline.common.protocol.Uid;
import io.pushline.gateway.guard.GatewaySecurity;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Binds a WebSocket to its uid, the seed's way: {@code ?uid=} in the handshake URL, or else the first text
 * frame the page sends. Later frames are ignored. A uid outside the syntax, or split over several frames, closes
 * with {@link CloseCodes#INVALID_UID}; no uid within the timeout closes with {@link CloseCodes#UID_TIMEOUT}.
 * A connection binds one uid, whatever arrives in whatever order.
 *
 * <p>It also bounds what a connection may cost before and besides its pushes: one deadline from the connect to the
 * upgrade (however the client trickles its bytes or keeps a plain-HTTP connection alive), and no reading while the
 * connection's outbound buffer is over its limit (a client that sends HTTP requests and never reads the answers
 * would otherwise grow it without end; the push path closes such a page when a push finds it full, but a page may
 * get no push).
 *
 * <p>In token mode ({@code trustUid} false) it binds only the uids the identity handler proves with a
 * {@link VerifiedUid} event; {@code ?uid=} and uid frames are ignored.
 *
 * <p>One instance per connection; all its methods run on the connection's event loop.
 */
public final class SessionHandler extends SimpleChannelInboundHandler<WebSocketFrame> {

    /** Name of the handler that serves plain HTTP; removed after the upgrade, when it is dead weight. */
    public static final String HTTP_HANDLER_NAME = "http-handler";
    /** The handlers that only serve the HTTP request before the upgrade. */
    private static final List<String> HTTP_ONLY = List.of(HTTP_HANDLER_NAME, GatewaySecurity.HANDSHAKE_GUARD);

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

    private final LocalSessions sessions;
    private final Duration uidTimeout;
    private final Duration handshakeTimeout;
    private final boolean trustUid;
    private String uid;
    /** Set once the connection is being closed for a bad or missing uid: later frames must not bind. */
    private boolean refused;
    /** Until the upgrade, when the connection is closed if not upgraded; then, until a uid binds, the uid's. */
    private ScheduledFuture<?> deadline;
    /**
     * When the page last sent a frame, and when {@link HeartbeatSweep} last pinged it (System.nanoTime()). Kept
     * here, in a handler every connection has anyway, rather than in an idle handler of its own. Touched only on
     * the connection's loop, where the sweep runs too.
     */
    private long lastReadNanos = System.nanoTime();
    private long lastPingNanos = lastReadNanos;

    public SessionHandler(LocalSessions sessions, Duration uidTimeout, Duration handshakeTimeout, boolean trustUid) {
        this.sessions = sessions;
        this.uidTimeout = uidTimeout;
        this.handshakeTimeout = handshakeTimeout;
        this.trustUid = trustUid;
    }

    /**
     * From the connect, not from the last byte: a read timeout let a client that sends a byte a second, or a
     * plain-HTTP request every few seconds, hold its connection (and a file) for as long as it liked.
     */
    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        deadline = ctx.executor().schedule(() -> {
            log.debug("gateway: closing {}: not upgraded to a WebSocket within {} ms", ctx.channel().remoteAddress(),
                    handshakeTimeout.toMillis());
            ctx.close();
        }, handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    /**
     * Stops reading while the connection's outbound buffer is over its high-water mark, and reads again below the
     * low one. What a client sends can make the gateway write (an answer for each pipelined HTTP request): one that
     * never reads would otherwise fill the heap. A page that stops reading this way also stops proving it is there,
     * so the heartbeat closes it at its idle timeout, and a push that finds it full closes it at once (4429). Netty
     * asks for a read after each ping it answers, whatever this says; the protocol handler drops pings instead
     * while the buffer is full ({@code BoundedWebSocketProtocolHandler}).
     */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof HandshakeComplete handshake) {
            cancelDeadline();
            // Dead weight once upgraded: plain HTTP and the handshake's checks (the heartbeat takes over). Each
            // costs an idle page a handler context.
            for (String name : HTTP_ONLY) {
                if (ctx.pipeline().get(name) != null) {
                    ctx.pipeline().remove(name);
                }
            }
            lastReadNanos = System.nanoTime();
            if (uid != null || refused) {
                // Netty passes frames on from the moment it wrote the 101, and tells of the upgrade only once that
                // write completes: a client that sent its uid frame right behind the request was heard first.
                return;
            }
            List<String> fromQuery = trustUid ? new QueryStringDecoder(handshake.requestUri()).parameters().get("uid") : null;
            if (fromQuery != null && !fromQuery.isEmpty()) {
                bind(ctx, fromQuery.get(0));
            } else {
                deadline = ctx.executor().schedule(() -> {
                    refused = true;
                    close(ctx, CloseCodes.UID_TIMEOUT, "no uid within " + uidTimeout.toMillis() + "ms");
                }, uidTimeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            return;
        }
        if (evt instanceof VerifiedUid verified && uid == null && !refused) {
            cancelDeadline();
            bind(ctx, verified.uid());
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        lastReadNanos = System.nanoTime(); // any frame, pongs included (the protocol handler passes them on)
        if (trustUid && uid == null && !refused && frame instanceof TextWebSocketFrame text) {
            cancelDeadline();
            if (!text.isFinalFragment()) {
                // Binding the first fragment would bind the wrong uid; no browser splits a frame this small.
                refused = true;
                close(ctx, CloseCodes.INVALID_UID, "invalid uid: send it in one frame");
                return;
            }
            bind(ctx, text.text());
        }
        // Anything else (frames after the uid, binary frames, pongs) has no meaning yet and is dropped.
    }

    long lastReadNanos() {
        return lastReadNanos;
    }

    long lastPingNanos() {
        return lastPingNanos;
    }

    void pinged(long nanos) {
        lastPingNanos = nanos;
    }

    /** Dropped, not just cancelled: a cancelled task kept in the field costs an idle connection 64 bytes. */
    private void cancelDeadline() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void bind(ChannelHandlerContext ctx, String candidate) {
        if (!Uid.isValid(candidate)) {
            refused = true;
            close(ctx, CloseCodes.INVALID_UID, "invalid uid: must be " + Uid.describe());
            return;
        }
        uid = candidate;
        sessions.bind(uid, ctx.channel());
    }

    private static void close(ChannelHandlerContext ctx, int code, String reason) {
        ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * The end of the pipeline: protocol violations were already answered with their RFC 6455 close code by the
     * decoder, and resets are the browser's business; neither deserves a stack trace in an operator's log.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException || cause instanceof IOException) {
            log.debug("gateway: closing {} ({})", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("gateway: closing {} after an unexpected error", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelDeadline();
        if (uid != null) {
            sessions.unbind(uid, ctx.channel());
        }
        super.channelInactive(ctx);
    }
}
