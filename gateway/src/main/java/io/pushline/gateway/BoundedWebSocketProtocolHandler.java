package io.pushline.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import java.util.List;

/**
 * Netty's RFC 6455 handler, which answers a ping only while the connection can take the pong. Netty answers every
 * ping, before any handler of ours sees it, and asks for the next read after each one even when reading is off: a
 * client that sends pings and never reads the pongs filled a 256 MB heap in 5 s. A ping that finds the outbound
 * buffer over its limit is dropped (a pong is due "as soon as practical"; a client not reading has no use for it),
 * so what such a client costs stays within that limit. Pings are not what keeps a page alive either: the heartbeat
 * counts what reaches the session, pongs and messages.
 */
final class BoundedWebSocketProtocolHandler extends WebSocketServerProtocolHandler {

    BoundedWebSocketProtocolHandler(WebSocketServerProtocolConfig config) {
        super(config);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) throws Exception {
        if (frame instanceof PingWebSocketFrame && !ctx.channel().isWritable()) {
            return; // released by the decoder that called this
        }
        super.decode(ctx, frame, out);
    }
}
