package io.pushline.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.CharsetUtil;

/**
 * Passes WebSocket upgrade requests, on any path, on to the handshake untouched, and answers every other HTTP
 * request itself (an upgrade request in absolute form, {@code GET http://host/}, included: the handshake takes only
 * paths, and would pass it on unanswered) from {@link StaticResources}: {@code GET}/{@code HEAD} of the demo page and the browser client,
 * 404 for any other path, 405 for any other method. Every answer is from memory, so nothing here blocks the event
 * loop. Stateless and shared by all connections.
 */
@ChannelHandler.Sharable
public final class HttpRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    static final String TEXT = "text/plain; charset=utf-8";
    static final String ALLOWED_METHODS = "GET, HEAD";
    /** Browsers revalidate each time (cheap: a 304), so a new gateway version's files are picked up at once. */
    static final String CACHE_CONTROL = "no-cache";
    /** Netty has no constants for this header; browsers must not guess a type (a text answer is never run). */
    static final String CONTENT_TYPE_OPTIONS = "X-Content-Type-Options";
    static final String NOSNIFF = "nosniff";
    static final String NOT_FOUND_BODY = "Pushline gateway: nothing here. The demo page is at /, the browser client at "
            + "/pushline.js and /pushline.mjs; pages connect with a WebSocket to ws://<host>:<port>/?uid=<uid>\n";
    static final String METHOD_NOT_ALLOWED_BODY = "Pushline gateway: only GET and HEAD are served over plain HTTP; "
            + "pages connect with a WebSocket to ws://<host>:<port>/?uid=<uid>\n";

    private final StaticResources resources;

    public HttpRequestHandler(StaticResources resources) {
        super(false);
        this.resources = resources;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (request.uri().startsWith("/") && request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            ctx.fireChannelRead(request);
            return;
        }
        try {
            answer(ctx, request);
        } finally {
            request.release();
        }
    }

    /** A plain-text answer, for refusals made before the upgrade (the handshake guard's 401/403/429/503). */
    public static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String body) {
        send(ctx, request, text(request, status, body));
    }

    private void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
        HttpMethod method = request.method();
        if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
            FullHttpResponse response = text(request, HttpResponseStatus.METHOD_NOT_ALLOWED, METHOD_NOT_ALLOWED_BODY);
            response.headers().set(HttpHeaderNames.ALLOW, ALLOWED_METHODS);
            send(ctx, request, response);
            return;
        }
        StaticResources.Resource resource = resources.find(new QueryStringDecoder(request.uri()).path());
        if (resource == null) {
            send(ctx, request, text(request, HttpResponseStatus.NOT_FOUND, NOT_FOUND_BODY));
            return;
        }
        if (matches(request.headers().get(HttpHeaderNames.IF_NONE_MATCH), resource.etag())) {
            FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                    HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
            cacheHeaders(response, resource);
            send(ctx, request, response);
            return;
        }
        // HEAD: the same headers, Content-Length included, and no body.
        ByteBuf body = HttpMethod.HEAD.equals(method) ? Unpooled.EMPTY_BUFFER : resource.wrap();
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, resource.contentType());
        HttpUtil.setContentLength(response, resource.length());
        cacheHeaders(response, resource);
        send(ctx, request, response);
    }

    /** True when an If-None-Match header names this ETag (in a comma-separated list, weak or not) or is {@code *}. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.trim();
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals("*") || tag.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static void cacheHeaders(FullHttpResponse response, StaticResources.Resource resource) {
        response.headers().set(HttpHeaderNames.ETAG, resource.etag());
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, CACHE_CONTROL);
        // The files are public and carry no credentials. Pages of the application's own origin load
        // pushline.mjs with import, which browsers fetch in CORS mode: without this header the import fails.
        response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }

    private static FullHttpResponse text(FullHttpRequest request, HttpResponseStatus status, String body) {
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status,
                Unpooled.copiedBuffer(body, CharsetUtil.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, TEXT);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        return response;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
        response.headers().set(CONTENT_TYPE_OPTIONS, NOSNIFF);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
