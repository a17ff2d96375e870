package io.pushline.gateway.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.pushline.testkit.RawWebSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pushline.gateway.session.OnePageGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page that makes the gateway write without reading what it writes: pings, each answered with a pong. Netty
 * answers them before any handler of ours sees them, and asks for the next read after each, so only the protocol
 * handler itself can stop queueing pongs for a page that takes none.
 */
class ReadBackpressureIT {

    private static final int LIMIT = 64 * 1024;
    /** Past the limit: the pong whose write crossed it, and the frames of one encoder's write, with room to spare. */
    private static final long SLACK = 16 * 1024;

    @Test
    void aPageThatSendsPingsAndNeverReadsThePongsGetsNoMorePongsThanItsBufferHoldsAndIsServedAgainOnceItReads() throws Exception {
        try (OnePageGateway g = new OnePageGateway(OnePageGateway.options().withMaxOutboundBuffer(LIMIT), "flood", 4096)) {
            Channel ch = g.channel;
            // Told on the loop, right after the session handler acts on each change: whether the buffer passed its
            // limit (reading is turned off then), and came back under it with reading on again once the page read.
            AtomicBoolean stopped = new AtomicBoolean();
            AtomicBoolean resumed = new AtomicBoolean();
            ch.eventLoop().submit(() -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                    boolean reading = ctx.channel().config().isAutoRead();
                    if (!ctx.channel().isWritable() && !reading) {
                        stopped.set(true);
                    } else if (ctx.channel().isWritable() && reading && stopped.get()) {
                        resumed.set(true);
                    }
                    ctx.fireChannelWritabilityChanged();
                }
            })).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            ByteArrayOutputStream chunk = new ByteArrayOutputStream();
            byte[] ping = RawWebSocket.frame(RawWebSocket.PING, new byte[0], true, true);
            for (int i = 0; i < 10_000; i++) {
                chunk.writeBytes(ping);
            }
            AtomicBoolean stop = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        g.page.sendRaw(chunk.toByteArray());
                    }
                } catch (UncheckedIOException e) {
                    // closed with the test
                }
            }, "pinging-page");
            writer.setDaemon(true);
            writer.start();
            try {
                Awaitility.await("the page's buffer passes its limit").atMost(WAIT).until(stopped::get);
                // The flood goes on: every ping answered queued a pong for a page that takes none, and the heap
                // filled within seconds. Now what is queued stays at the limit for as long as the flood lasts.
                Awaitility.await("the page's buffer stays at its limit").during(Duration.ofSeconds(1)).atMost(WAIT)
                        .until(() -> pending(ch), queued -> queued <= LIMIT + SLACK);
            } finally {
                stop.set(true);
            }

            // The page reads again: so does the gateway, and the page stays.
            CompletableFuture<Void> reading = CompletableFuture.runAsync(() -> {
                while (!resumed.get() && g.page.readFrame(WAIT) != null) {
                    // pongs
                }
            });
            Awaitility.await("the gateway reads the page again").atMost(WAIT).until(resumed::get);
            reading.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertTrue(ch.isActive());
        }
    }

    /** The bytes queued for the page, read on its loop. */
    private static long pending(Channel ch) throws Exception {
        return ch.eventLoop().submit(() -> {
            ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
            return out == null ? 0L : out.totalPendingWriteBytes();
        }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
