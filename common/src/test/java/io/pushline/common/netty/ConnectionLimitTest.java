package io.pushline.common.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConnectionLimitTest {

    /** What reaches the handlers behind the limit. */
    private static final class Behind extends ChannelInboundHandlerAdapter {
        final List<Object> read = new ArrayList<>();
        boolean active;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active = true;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            read.add(msg);
        }
    }

    @Test
    void aRefusedConnectionsBytesReachNothingBehindTheLimitWhileItsRefusalIsPending() {
        // A refusal that is not written at once, as behind a TLS handshake: the connection stays open meanwhile.
        List<Object> refused = new ArrayList<>();
        ConnectionLimit limit = new ConnectionLimit(0, refused::add);
        Behind behind = new Behind();
        EmbeddedChannel ch = new EmbeddedChannel(limit, behind);

        ByteBuf line = Unpooled.copiedBuffer("{\"uid\":\"u\"}\n", StandardCharsets.UTF_8);
        ch.writeInbound(line);

        assertEquals(1, refused.size());
        assertEquals(1, limit.refused());
        assertTrue(!behind.active && behind.read.isEmpty(), "the line reached the handler behind the limit");
        assertEquals(0, line.refCnt(), "dropped bytes are released");
        ch.finishAndReleaseAll();
        assertEquals(0, limit.open());
    }

    @Test
    void anAcceptedConnectionIsCountedUntilItClosesAndItsBytesPassOn() {
        ConnectionLimit limit = new ConnectionLimit(1, ch -> { });
        Behind behind = new Behind();
        EmbeddedChannel ch = new EmbeddedChannel(limit, behind);
        assertEquals(1, limit.open());

        ch.writeInbound(Unpooled.copiedBuffer("x", StandardCharsets.UTF_8));
        assertEquals(1, behind.read.size());
        ((ByteBuf) behind.read.get(0)).release();

        ch.close();
        assertEquals(0, limit.open());
    }
}
