package io.pushline.ingest.line;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.pushline.broker.Broker;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bytes in, replies out, with a broker whose answers the test releases in any order it likes. */
class PushLineHandlerTest {

    /** A broker that answers only when the test says so: the order of Redis replies is not ours to choose. */
    private static final class HeldBroker implements Broker {
        final List<CompletableFuture<Boolean>> pending = new ArrayList<>();
        final List<String> lines = new ArrayList<>();

        @Override
        public CompletableFuture<Boolean> publish(String uid, byte[] line) {
            lines.add(new String(line, StandardCharsets.UTF_8));
            CompletableFuture<Boolean> f = new CompletableFuture<>();
            pending.add(f);
            return f;
        }

        @Override
        public CompletableFuture<Boolean> broadcast(byte[] line) {
            return publish(null, line);
        }

        @Override
        public CompletableFuture<Void> subscribe(String uid, int loop) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> unsubscribe(String uid, int loop) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<Void> withdraw() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isHealthy() {
            return true;
        }

        @Override
        public String describe() {
            return "held";
        }

        @Override
        public void close() {
        }
    }

    private final HeldBroker broker = new HeldBroker();
    private final IngestStats stats = new IngestStats();

    private EmbeddedChannel channel(int maxInFlight) {
        return new EmbeddedChannel(new PushLineDecoder(1024), new PushLineHandler(broker, stats, maxInFlight, 1024));
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private static String replies(EmbeddedChannel ch) {
        StringBuilder b = new StringBuilder();
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            b.append(out.toString(StandardCharsets.US_ASCII));
            out.release();
        }
        return b.toString();
    }

    @Test
    void repliesKeepLineOrderWhateverOrderTheBrokerAnswersIn() {
        EmbeddedChannel ch = channel(16);
        ch.writeInbound(bytes("{\"uid\":\"a\"}\n{\"uid\":\"b\"}\nbad\n{\"uid\":\"c\"}\n"));
        assertEquals("", replies(ch), "nothing is answered before the first line's answer");

        broker.pending.get(2).complete(true);  // c
        broker.pending.get(1).complete(false); // b
        assertEquals("", replies(ch), "a is still waiting, so b, bad and c wait behind it");
        broker.pending.get(0).complete(true);  // a
        ch.runPendingTasks();

        assertEquals("ok\nfail\nfail\nok\n", replies(ch));
        assertEquals(2, stats.okCount());
        assertEquals(1, stats.offlineCount());
        ch.finishAndReleaseAll();
    }

    /** The events {@code source} logs until {@link #stopCapture}. */
    private static ListAppender<ILoggingEvent> capture(Class<?> source) {
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        ((Logger) LoggerFactory.getLogger(source)).addAppender(logged);
        return logged;
    }

    private static void stopCapture(Class<?> source, ListAppender<ILoggingEvent> logged) {
        ((Logger) LoggerFactory.getLogger(source)).detachAppender(logged);
    }

    @Test
    void aBrokerErrorIsAFailAndTheConnectionStaysUsable() {
        ListAppender<ILoggingEvent> logged = capture(IngestStats.class);
        try {
            EmbeddedChannel ch = channel(16);
            ch.writeInbound(bytes("{\"uid\":\"a\"}\n"));
            broker.pending.get(0).completeExceptionally(new IllegalStateException("Redis down"));
            ch.runPendingTasks();
            ch.writeInbound(bytes("{\"uid\":\"a\"}\n"));
            broker.pending.get(1).completeExceptionally(new IllegalStateException("Redis still down"));
            ch.runPendingTasks();
            ch.writeInbound(bytes("{\"uid\":\"a\"}\n"));
            broker.pending.get(2).complete(true);
            ch.runPendingTasks();

            assertEquals("fail\nfail\nok\n", replies(ch));
            assertTrue(ch.isActive());
            assertEquals(2, stats.brokerErrorCount());
            // The operator learns why, once: an outage must not log a line per push.
            assertEquals(1, logged.list.size(), logged.list.toString());
            assertTrue(logged.list.get(0).getFormattedMessage().contains("Redis down"), logged.list.get(0).getFormattedMessage());
            ch.finishAndReleaseAll();
        } finally {
            stopCapture(IngestStats.class, logged);
        }
    }

    @Test
    void aClientGoneBeforeItsReplyIsClosedQuietlyAndAnythingElseWarns() {
        ListAppender<ILoggingEvent> logged = capture(PushLineHandler.class);
        try {
            // On io_uring a reply written after the client's FIN fails later, as a closed channel: the PHP script
            // wrote its line and exited. That is how such clients leave, not something to warn about.
            EmbeddedChannel gone = channel(16);
            gone.pipeline().fireExceptionCaught(new ClosedChannelException());
            assertFalse(gone.isActive());
            assertEquals(List.of(), logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).toList());

            EmbeddedChannel broken = channel(16);
            broken.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));
            assertFalse(broken.isActive());
            assertEquals(1, logged.list.stream().filter(e -> e.getLevel() == Level.WARN).count(), logged.list.toString());
        } finally {
            stopCapture(PushLineHandler.class, logged);
        }
    }

    @Test
    void readingStopsAtTheInFlightLimitAndResumesWhenRepliesCatchUp() {
        EmbeddedChannel ch = channel(4);
        ch.writeInbound(bytes("{\"uid\":\"a\"}\n".repeat(4)));
        assertFalse(ch.config().isAutoRead(), "4 lines awaiting replies: stop reading");

        broker.pending.forEach(f -> f.complete(true));
        ch.runPendingTasks();

        assertTrue(ch.config().isAutoRead());
        assertEquals("ok\n".repeat(4), replies(ch));
        ch.finishAndReleaseAll();
    }

    /** A line of many uids is that many publishes to Redis; counted as one line, a client could queue 1,000 times more. */
    @Test
    void aLineOfManyUidsCountsOncePerUidTowardsTheInFlightLimit() {
        EmbeddedChannel ch = channel(4);
        ch.writeInbound(bytes("{\"uid\":[\"a\",\"b\",\"c\",\"d\"]}\n"));
        assertEquals(4, broker.pending.size());
        assertFalse(ch.config().isAutoRead(), "one line, but 4 publishes await Redis: stop reading");

        broker.pending.forEach(f -> f.complete(false));
        ch.runPendingTasks();
        assertTrue(ch.config().isAutoRead());
        assertEquals("fail\n", replies(ch));
        ch.finishAndReleaseAll();
    }

    /** The loop's budget (2 publishes here) holds the third line; lines behind it keep their order, replies too. */
    @Test
    void aLineOverTheLoopsBudgetIsHeldAndPublishedInOrderWhenTheBudgetFrees() {
        EmbeddedChannel ch = new EmbeddedChannel(new PushLineDecoder(1024),
                new PushLineHandler(broker, stats, new LineLimits(1024, 1024, Long.MAX_VALUE), new PublishBudgets(2, 1 << 20, 1)));
        ch.writeInbound(bytes("{\"uid\":\"a\"}\n{\"uid\":\"b\"}\n{\"uid\":\"c\"}\nbad\n{\"uid\":\"d\"}\n"));
        assertEquals(2, broker.pending.size(), "a and b are published; c waits for the budget, and d behind it");
        assertFalse(ch.config().isAutoRead(), "the connection is not read while it holds lines");

        broker.pending.get(0).complete(true);
        ch.runPendingTasks();
        assertEquals(3, broker.pending.size(), "a's answer freed one publish: c goes, d still waits");
        broker.pending.get(1).complete(false);
        ch.runPendingTasks();
        assertEquals(4, broker.pending.size());
        broker.pending.get(2).complete(true);
        broker.pending.get(3).complete(true);
        ch.runPendingTasks();

        assertEquals("ok\nfail\nok\nfail\nok\n", replies(ch));
        assertTrue(ch.config().isAutoRead());
        ch.finishAndReleaseAll();
    }

    @Test
    void anOverlongLineIsOneFailAtOnceAndTheRestOfItIsDiscarded() {
        EmbeddedChannel ch = channel(16);
        ch.writeInbound(bytes("{\"uid\":\"a\",\"pad\":\"" + "x".repeat(2000)));
        assertEquals("fail\n", replies(ch), "answered when the line passes the limit");
        ch.writeInbound(bytes("x".repeat(5000)));
        ch.writeInbound(bytes("\"}\n{\"uid\":\"a\"}\n"));
        assertEquals(1, broker.pending.size(), "only the next line reached the broker");
        broker.pending.get(0).complete(true);
        ch.runPendingTasks();
        assertEquals("ok\n", replies(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void aLineOfExactlyTheLimitIsAcceptedHoweverItsLineEndingIsSplit() {
        EmbeddedChannel ch = channel(16);
        String line = "{\"uid\":\"a\",\"pad\":\"" + "x".repeat(1024 - 20) + "\"}";
        assertEquals(1024, line.length());
        ch.writeInbound(bytes(line + "\r"));
        ch.writeInbound(bytes("\n"));
        ch.writeInbound(bytes(line + "x\n"));
        assertEquals(1, broker.pending.size(), "the line of 1024 bytes is published, the one of 1025 is not");
        broker.pending.get(0).complete(true);
        ch.runPendingTasks();
        assertEquals("ok\nfail\n", replies(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void everyCarriageReturnThatEndsALineIsDroppedAsTheSeedDropsThem() {
        EmbeddedChannel ch = channel(16);
        ch.writeInbound(bytes("{\"uid\":\"a\",\"m\":\"x\"}\r\r\n{\"uid\":\"b\",\"m\":\"y\"}\n"));
        assertEquals(List.of("{\"uid\":\"a\",\"m\":\"x\"}", "{\"uid\":\"b\",\"m\":\"y\"}"), broker.lines);
        ch.finishAndReleaseAll();
    }

    @Test
    void halfALineFollowedByACloseIsNeverPublished() {
        EmbeddedChannel ch = channel(16);
        ch.writeInbound(bytes("{\"uid\":\"a\",\"m\":\"half"));
        ch.close();
        assertTrue(broker.pending.isEmpty());
        assertNull(ch.readOutbound());
    }
}
