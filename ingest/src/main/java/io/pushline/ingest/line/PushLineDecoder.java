package io.pushline.ingest.line;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Splits the byte stream into lines ({@code \n} or {@code \r\n}, stripped) of at most the configured length.
 * A longer line is discarded as it arrives, up to its newline, so memory never grows with it; the handler
 * answers it {@code fail} when the decoder reports it (fail-fast, at the moment it passes the limit).
 *
 * <p>The decoder itself allows one byte more than the limit: while a line's {@code \r} has arrived but its
 * {@code \n} has not, Netty counts the {@code \r}, and a line of exactly the limit would be refused depending on
 * how TCP split it. {@link PushLineHandler} enforces the exact limit on the stripped line.
 *
 * <p>On an idle event it closes the connection only if a partial line is waiting: a connection that is idle
 * between lines is a healthy persistent PHP client, one stuck mid-line is not.
 */
public final class PushLineDecoder extends LineBasedFrameDecoder {

    public PushLineDecoder(int maxLineLength) {
        super(maxLineLength + 1, true, true);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && actualReadableBytes() > 0) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
