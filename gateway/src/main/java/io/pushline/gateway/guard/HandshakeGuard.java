package io.pushline.gateway.guard;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.pushline.gateway.auth.IdentityPolicy;
import io.pushline.gateway.auth.InvalidTokenException;
import io.pushline.gateway.auth.VerifiedToken;
import io.pushline.gateway.http.HttpRequestHandler;
import io.pushline.common.net.CidrSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.List;

/**
 * Decides on each WebSocket upgrade request before the handshake, cheapest check first: Origin (403), then the
 * connection limits for the real client IP (429 per IP, 503 node full), then a {@code ?token=} in token mode
 * (401). A refused request gets its status and the connection closes: no upgrade, no subscription. An accepted
 * one holds its connection slot until the channel closes, and the guard leaves that connection's pipeline: a
 * connection takes one slot, however many upgrade requests it sends (Netty answers one in an unsupported version
 * with 426 and keeps the connection open, and each request used to take a slot of its own). Plain HTTP requests
 * pass untouched. Shared.
 */
@ChannelHandler.Sharable
final class HandshakeGuard extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(HandshakeGuard.class);

    private final OriginPolicy origins;
    private final ConnectionLimits limits;
    private final CidrSet trustedProxies;
    private final IdentityPolicy identity;
    private final SecurityStats stats;

    HandshakeGuard(OriginPolicy origins, ConnectionLimits limits, CidrSet trustedProxies, IdentityPolicy identity,
                   SecurityStats stats) {
        super(false);
        this.origins = origins;
        this.limits = limits;
        this.trustedProxies = trustedProxies;
        this.identity = identity;
        this.stats = stats;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            ctx.fireChannelRead(request);
            return;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (!origins.allows(origin)) {
            stats.originRefused();
            refuse(ctx, request, HttpResponseStatus.FORBIDDEN, "origin " + origin + " is not allowed");
            return;
        }
        InetAddress client = ClientAddress.resolve(ctx.channel(), request.headers(), trustedProxies);
        switch (limits.tryAcquire(client)) {
            case IP_RATE -> {
                stats.perIpRate();
                refuse(ctx, request, HttpResponseStatus.TOO_MANY_REQUESTS, "too many new connections from " + client.getHostAddress());
                return;
            }
            case IP_FULL -> {
                stats.perIpConnections();
                refuse(ctx, request, HttpResponseStatus.TOO_MANY_REQUESTS, "too many connections from " + client.getHostAddress());
                return;
            }
            case NODE_FULL -> {
                stats.nodeFull();
                refuse(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "this gateway node is full ("
                        + limits.open() + " connections)");
                return;
            }
            case ACCEPTED -> ctx.channel().closeFuture().addListener(f -> limits.release(client));
        }
        if (!identity.trustsUid() && !acceptToken(ctx, request)) {
            return;
        }
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(request);
    }

    /** A {@code ?token=} must be valid; without one the page may still send its token as the first frame. */
    private boolean acceptToken(ChannelHandlerContext ctx, FullHttpRequest request) {
        List<String> tokens = new QueryStringDecoder(request.uri()).parameters().get("token");
        if (tokens == null || tokens.isEmpty()) {
            return true;
        }
        try {
            ctx.channel().attr(VerifiedToken.HANDSHAKE).set(identity.verifier().verify(tokens.get(0)));
            return true;
        } catch (InvalidTokenException e) {
            stats.invalidToken();
            refuse(ctx, request, HttpResponseStatus.UNAUTHORIZED, "invalid token: " + e.getMessage());
            return false;
        }
    }

    private static void refuse(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String why) {
        log.debug("gateway: refused a WebSocket from {} with {}: {}", ctx.channel().remoteAddress(), status.code(), why);
        try {
            HttpUtil.setKeepAlive(request, false); // the answer closes the connection
            HttpRequestHandler.respond(ctx, request, status, "Pushline gateway: " + why + "\n");
        } finally {
            request.release();
        }
    }
}
