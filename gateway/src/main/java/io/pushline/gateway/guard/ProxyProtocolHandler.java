package io.pushline.gateway.guard;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.NetUtil;

import java.net.InetAddress;

/**
 * Takes the client address from the PROXY protocol header (v1 or v2, decoded by Netty's
 * {@code HAProxyMessageDecoder} before it) and removes itself: after the header the connection is plain HTTP.
 * A {@code LOCAL} command (the proxy's own health check) keeps the TCP peer as the client.
 */
final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage header) {
            try {
                if (header.command() == HAProxyCommand.PROXY && header.sourceAddress() != null) {
                    InetAddress source = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
                    if (source != null) {
                        ctx.channel().attr(ClientAddress.PROXIED_SOURCE).set(source);
                    }
                }
            } finally {
                header.release();
            }
            ctx.pipeline().remove(this);
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
