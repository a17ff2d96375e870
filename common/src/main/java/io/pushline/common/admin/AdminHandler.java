package io.pushline.common.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.CharsetUtil;

import java.util.ArrayList;
import java.util.List;

/** Answers {@code /metrics}, {@code /health/live} and {@code /health/ready}. Stateless and shared. */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final List<ReadinessCheck> checks;

    AdminHandler(PrometheusMeterRegistry registry, List<ReadinessCheck> checks) {
        this.registry = registry;
        this.checks = List.copyOf(checks);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
            respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "GET only\n");
            return;
        }
        switch (new QueryStringDecoder(request.uri()).path()) {
            case "/metrics" -> respond(ctx, request, HttpResponseStatus.OK, PROMETHEUS_TEXT, registry.scrape());
            case "/health/live" -> respond(ctx, request, HttpResponseStatus.OK, "application/json", "{\"status\":\"live\"}\n");
            case "/health/ready" -> ready(ctx, request);
            default -> respond(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                    "admin endpoints: /metrics /health/live /health/ready\n");
        }
    }

    private void ready(ChannelHandlerContext ctx, FullHttpRequest request) {
        List<String> problems = new ArrayList<>();
        for (ReadinessCheck check : checks) {
            String problem = check.problem();
            if (problem != null) {
                problems.add("\"" + check.name() + ": " + problem.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
            }
        }
        if (problems.isEmpty()) {
            respond(ctx, request, HttpResponseStatus.OK, "application/json", "{\"status\":\"ready\"}\n");
        } else {
            respond(ctx, request, HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json",
                    "{\"status\":\"not ready\",\"problems\":[" + String.join(",", problems) + "]}\n");
        }
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String type, String body) {
        boolean head = HttpMethod.HEAD.equals(request.method());
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), status,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, CharsetUtil.UTF_8));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        HttpUtil.setContentLength(response, head ? 0 : response.content().readableBytes());
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
