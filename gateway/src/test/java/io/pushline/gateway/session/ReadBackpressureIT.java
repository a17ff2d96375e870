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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.pushline.gateway.session.OnePageGateway.WAIT;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A page that makes the gateway write without reading what it writes: pings, each answered with a pong. Netty
 * answers them before any handler of ours sees them, so only the connection's writability can stop it.
 */
class ReadBackpressureIT {

    private static final int LIMIT = 64 * 1024;
    /**
     * What one read may add past the limit: a read takes at most 64 KiB, 10,922 empty pings, and each pong counts
     * 2 bytes plus Netty's 96 per queued message. Reading stops within a few reads (the one that crossed the limit,
     * and what the frame decoder held over); unstopped, it grew by hundreds of megabytes.
     */
    private static final long ONE_READ_OF_PONGS = 64 * 1024 / 6 * (2 + 96);
    private static final int READS = 4;

    @Test
    void aPageThatSendsPingsAndNeverReadsThePongsIsNoLongerReadUntilItReadsAgain() throws Exception {
        try (OnePageGateway g = new OnePageGateway(OnePageGateway.options().withMaxOutboundBuffer(LIMIT), "flood", 4096)) {
            Channel ch = g.channel;
            // Told on the loop, right after the session handler acts on each change: whether reading stopped when
            // the buffer passed its limit, and started again once the page read the buffer down.
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
                // Read, every ping queues a pong for a page that takes none: the heap fills within seconds.
                Awaitility.await("the gateway stops reading the page").atMost(WAIT).until(stopped::get);
                long pending = onLoop(ch, () -> {
                    ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
                    return out == null ? 0L : out.totalPendingWriteBytes();
                });
                assertTrue(pending <= LIMIT + READS * ONE_READ_OF_PONGS, pending + " bytes queued for the page, limit " + LIMIT);
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

    private static <T> T onLoop(Channel ch, java.util.concurrent.Callable<T> read) throws Exception {
        return ch.eventLoop().submit(read).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
}
