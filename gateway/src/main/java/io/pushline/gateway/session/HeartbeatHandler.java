package io.pushline.gateway.session;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.pushline.common.protocol.CloseCodes;

/**
 * Reacts to the {@link io.netty.handler.timeout.IdleStateHandler} at the head of the pipeline: a connection quiet
 * in both directions gets a ping (proxies and NATs drop silent connections, and the pong proves the browser is
 * there); one that sent nothing, not even a pong, for the idle timeout is closed, so a vanished browser does not
 * hold its uid online. The state handler sees raw bytes, so a pong counts as activity even though the protocol
 * handler drops it. Stateless and shared.
 */
@ChannelHandler.Sharable
public final class HeartbeatHandler extends ChannelInboundHandlerAdapter {

    public static final HeartbeatHandler INSTANCE = new HeartbeatHandler();

    private HeartbeatHandler() {
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.READER_IDLE) {
                ctx.writeAndFlush(new CloseWebSocketFrame(CloseCodes.GOING_AWAY, "idle timeout")).addListener(ChannelFutureListener.CLOSE);
            } else if (idle.state() == IdleState.ALL_IDLE) {
                ctx.writeAndFlush(new PingWebSocketFrame()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
