package io.pushline.gateway.auth;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.util.concurrent.ScheduledFuture;
import io.pushline.common.protocol.CloseCodes;
import io.pushline.gateway.guard.SecurityStats;
import io.pushline.gateway.session.VerifiedUid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Token mode's identity, per connection, in front of the session: takes the uid from the token verified at the
 * handshake ({@code ?token=}) or from the first text frame (an invalid one closes with
 * {@link CloseCodes#INVALID_TOKEN}), then treats later text frames as refreshed tokens for the same uid. When the
 * token's {@code exp} plus the grace passes without a refresh, it closes with {@link CloseCodes#TOKEN_EXPIRED}.
 *
 * <p>A bound page's refreshes are verified {@value #REFRESH_BURST} at once at most, then one a second; the others
 * are dropped and counted. A signature check costs up to a tenth of a millisecond (ES256): a page sending token
 * frames as fast as it could would otherwise hold its event loop, and every page on it, for as long as it liked.
 *
 * <p>It consumes every text frame, so a plain uid frame can never reach the session. Event-loop confined.
 */
public final class TokenSessionHandler extends SimpleChannelInboundHandler<TextWebSocketFrame> {

    private static final Logger log = LoggerFactory.getLogger(TokenSessionHandler.class);

    private final IdentityPolicy policy;
    private final SecurityStats stats;
    private String uid;
    private Instant expiresAt;
    private boolean refused;
    private ScheduledFuture<?> expiryCheck;
    /** Refreshes this page may still have verified now; one comes back a second, up to {@link #REFRESH_BURST}. */
    private int refreshes = REFRESH_BURST;
    private long refreshesCountedNanos = System.nanoTime();

    /** Refresh tokens a bound page may send at once before they are taken one a second. */
    public static final int REFRESH_BURST = 4;
    private static final long REFRESH_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    public TokenSessionHandler(IdentityPolicy policy, SecurityStats stats) {
        this.policy = policy;
        this.stats = stats;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        super.userEventTriggered(ctx, evt);
        if (evt instanceof HandshakeComplete) {
            VerifiedToken fromUrl = ctx.channel().attr(VerifiedToken.HANDSHAKE).getAndSet(null);
            if (fromUrl != null) {
                bind(ctx, fromUrl);
            }
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
        if (refused) {
            return;
        }
        if (!frame.isFinalFragment()) {
            // Its first fragment alone is no token; no browser splits a frame this small.
            if (uid == null) {
                refused = true;
                stats.invalidToken();
                close(ctx, CloseCodes.INVALID_TOKEN, "invalid token: send it in one frame");
            }
            return;
        }
        if (uid != null && !mayRefresh()) {
            stats.refreshDropped();
            log.debug("gateway: dropped a refresh token of uid {}: more than {} at once, or one a second after that",
                    uid, REFRESH_BURST);
            return;
        }
        VerifiedToken token;
        try {
            token = policy.verifier().verify(frame.text());
        } catch (InvalidTokenException e) {
            stats.invalidToken();
            if (uid == null) {
                refused = true;
                close(ctx, CloseCodes.INVALID_TOKEN, "invalid token: " + e.getMessage());
            } else {
                log.debug("gateway: ignored an invalid refresh token for uid {}: {}", uid, e.getMessage());
            }
            return;
        }
        if (uid == null) {
            bind(ctx, token);
        } else if (token.uid().equals(uid)) {
            if (token.expiresAt().isAfter(expiresAt)) {
                expiresAt = token.expiresAt();
            }
        } else {
            log.debug("gateway: ignored a refresh token for uid {} on a connection of uid {}", token.uid(), uid);
        }
    }

    /** A token bucket: {@link #REFRESH_BURST} at most, one more per second. */
    private boolean mayRefresh() {
        long now = System.nanoTime();
        long earned = (now - refreshesCountedNanos) / REFRESH_EVERY_NANOS;
        if (earned > 0) {
            refreshes = (int) Math.min(REFRESH_BURST, refreshes + earned);
            refreshesCountedNanos += earned * REFRESH_EVERY_NANOS;
        }
        if (refreshes == 0) {
            return false;
        }
        refreshes--;
        return true;
    }

    /** Once: a token frame may arrive before the upgrade is told of, and then a {@code ?token=} must not bind too. */
    private void bind(ChannelHandlerContext ctx, VerifiedToken token) {
        if (uid != null) {
            return;
        }
        uid = token.uid();
        expiresAt = token.expiresAt();
        ctx.fireUserEventTriggered(new VerifiedUid(uid));
        scheduleExpiryCheck(ctx);
    }

    private void scheduleExpiryCheck(ChannelHandlerContext ctx) {
        long delay = Math.max(0, expiresAt.plus(policy.expiryGrace()).toEpochMilli() - System.currentTimeMillis());
        expiryCheck = ctx.executor().schedule(() -> checkExpiry(ctx), delay, TimeUnit.MILLISECONDS);
    }

    /** Runs when the grace has passed for the expiry known when it was scheduled; a refresh moved it on. */
    private void checkExpiry(ChannelHandlerContext ctx) {
        if (System.currentTimeMillis() >= expiresAt.plus(policy.expiryGrace()).toEpochMilli()) {
            stats.tokenExpired();
            close(ctx, CloseCodes.TOKEN_EXPIRED, "token expired");
        } else {
            scheduleExpiryCheck(ctx);
        }
    }

    private static void close(ChannelHandlerContext ctx, int code, String reason) {
        ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (expiryCheck != null) {
            expiryCheck.cancel(false);
        }
        super.channelInactive(ctx);
    }
}
