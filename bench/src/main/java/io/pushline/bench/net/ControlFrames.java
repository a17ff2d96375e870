package io.pushline.bench.net;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

/**
 * What a browser does with control frames once a WebSocket is open: a ping is answered with a pong carrying its
 * data, a pong is dropped, a close from the server is answered and the connection closed. Closing from this side
 * sends a close frame first (1000, normal closure), as a page that goes away does.
 */
final class ControlFrames extends ChannelDuplexHandler {

  private boolean closeSent;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof PingWebSocketFrame ping) {
      ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
    } else if (msg instanceof PongWebSocketFrame pong) {
      pong.release();
    } else if (msg instanceof CloseWebSocketFrame close) {
      if (closeSent) {
        close.release();
        ctx.close();
      } else {
        closeSent = true;
        ctx.writeAndFlush(close).addListener(ChannelFutureListener.CLOSE); // echoes the server's status
      }
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (closeSent || !ctx.channel().isActive()) {
      ctx.close(promise);
      return;
    }
    closeSent = true;
    ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
        .addListener(f -> ctx.close(promise));
  }
}
