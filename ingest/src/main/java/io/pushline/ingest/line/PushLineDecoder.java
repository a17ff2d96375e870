package io.pushline.ingest.line;

import io.netty.buffer.ByteBuf;
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
 * between lines is a healthy persistent PHP client, one stuck mid-line is not. "Mid-line" is whether the last byte
 * received was not a newline, not whether bytes are buffered here: while an over-long line is being discarded
 * nothing is buffered, and a client that stalled inside one was kept open for ever.
 */
public final class PushLineDecoder extends LineBasedFrameDecoder {

    private boolean midLine;

    public PushLineDecoder(int maxLineLength) {
        super(maxLineLength + 1, true, true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
            midLine = bytes.getByte(bytes.writerIndex() - 1) != '\n';
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && midLine) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
