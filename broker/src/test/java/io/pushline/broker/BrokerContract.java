package io.pushline.broker;

import io.pushline.common.netty.EventLoops;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The behaviour every {@link Broker} must have, run against the in-memory and the Redis implementation.
 * Each test uses fresh uids so tests sharing one bus cannot see each other's messages.
 */
public abstract class BrokerContract {

    protected static final Duration WAIT = Duration.ofSeconds(5);
    /** How long to watch for a message that must not arrive. */
    protected static final Duration QUIET = Duration.ofMillis(300);

    /** The event loops every node of a test class runs on, as a process's servers and brokers share theirs. */
    protected static EventLoops loops;

    private final List<Broker> nodes = new ArrayList<>();

    @BeforeAll
    static void startLoops() {
        loops = EventLoops.create(2, "contract");
    }

    @AfterAll
    static void stopLoops() {
        loops.close();
    }

    /** A new node on the shared bus of this test class, running on {@link #loops}. */
    protected abstract Broker createNode(String nodeId, DeliveryListener listener);

    /** A node that only publishes (an ingest's), running on {@link #loops}. */
    protected abstract Broker createPublisher(String name);

    protected final Broker publisher() {
        Broker b = createPublisher("ingest-" + nodes.size() + "-" + UUID.randomUUID().toString().substring(0, 8));
        nodes.add(b);
        return b;
    }

    protected final Broker node(Recorder recorder) {
        Broker b = createNode("node-" + nodes.size() + "-" + UUID.randomUUID().toString().substring(0, 8), recorder);
        nodes.add(b);
        return b;
    }

    @AfterEach
    void closeNodes() {
        nodes.forEach(Broker::close);
        nodes.clear();
    }

    protected static String uid() {
        return "u-" + UUID.randomUUID();
    }

    protected static byte[] line(String uid, String extra) {
        return ("{\"uid\":\"" + uid + "\",\"x\":\"" + extra + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    protected static <T> T await(java.util.concurrent.CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void publishToAnOfflineUidAnswersFalseAndDeliversNothing() throws Exception {
        Recorder r = new Recorder();
        Broker node = node(r);
        await(node.subscribe(uid()));
        String offline = uid();

        assertFalse(await(node.publish(offline, line(offline, "1"))));
        assertNull(r.poll(QUIET));
    }

    @Test
    void publishReachesTheSubscribedNodeByteForByte() throws Exception {
        Recorder gateway = new Recorder();
        Broker gatewayNode = node(gateway);
        Broker ingestNode = publisher();
        String uid = uid();
        await(gatewayNode.subscribe(uid));
        byte[] payload = ("{\"uid\":\"" + uid + "\",\"percent\":\"88%\",\"t\":\"h\u00e9llo \u4e16\u754c \ud83d\ude00\"}").getBytes(StandardCharsets.UTF_8);

        assertTrue(await(ingestNode.publish(uid, payload)));

        Delivery d = gateway.take();
        assertEquals(uid, d.uid());
        assertArrayEquals(payload, d.line());
    }

    @Test
    void everyNodeHoldingTheUidReceivesOnce() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        Broker nodeA = node(a);
        Broker nodeB = node(b);
        String uid = uid();
        await(nodeA.subscribe(uid));
        await(nodeB.subscribe(uid));

        assertTrue(await(nodeA.publish(uid, line(uid, "both"))));

        assertEquals(uid, a.take().uid());
        assertEquals(uid, b.take().uid());
        assertNull(a.poll(QUIET));
        assertNull(b.poll(Duration.ZERO));
    }

    @Test
    void unsubscribeMakesTheUidOfflineAtOnce() throws Exception {
        Recorder r = new Recorder();
        Broker node = node(r);
        Broker publisher = publisher();
        String uid = uid();
        await(node.subscribe(uid));
        assertTrue(await(publisher.publish(uid, line(uid, "before"))));
        r.take();

        await(node.unsubscribe(uid));

        assertFalse(await(publisher.publish(uid, line(uid, "after"))));
        assertNull(r.poll(QUIET));
    }

    @Test
    void aUidHeldByTwoNodesStaysOnlineWhenOneLeaves() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        Broker nodeA = node(a);
        Broker nodeB = node(b);
        String uid = uid();
        await(nodeA.subscribe(uid));
        await(nodeB.subscribe(uid));

        await(nodeA.unsubscribe(uid));

        assertTrue(await(nodeA.publish(uid, line(uid, "b only"))));
        assertEquals(uid, b.take().uid());
        assertNull(a.poll(QUIET));
    }

    @Test
    void afterAWithdrawTheUidsOnlyThisNodeHoldsReadOfflineAndTheOthersStayOnline() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        Broker stopping = node(a);
        Broker staying = node(b);
        Broker publisher = publisher();
        String onlyHere = uid();
        String alsoThere = uid();
        await(stopping.subscribe(onlyHere));
        await(stopping.subscribe(alsoThere));
        await(staying.subscribe(alsoThere));

        await(stopping.withdraw());

        assertFalse(await(publisher.publish(onlyHere, line(onlyHere, "after the withdraw"))));
        assertTrue(await(publisher.publish(alsoThere, line(alsoThere, "held elsewhere"))));
        assertEquals(alsoThere, b.take().uid());
        String late = uid();
        await(stopping.subscribe(late)); // a page that bound while the node stops: not vouched for
        assertFalse(await(publisher.publish(late, line(late, "late"))));
        await(stopping.unsubscribe(onlyHere));
        await(stopping.unsubscribe(alsoThere));
        assertTrue(await(publisher.publish(alsoThere, line(alsoThere, "still held elsewhere"))));
    }

    @Test
    void resubscribeAfterLeaveIsOnlineAgain() throws Exception {
        Recorder r = new Recorder();
        Broker node = node(r);
        String uid = uid();
        await(node.subscribe(uid));
        await(node.unsubscribe(uid));
        await(node.subscribe(uid));

        assertTrue(await(node.publish(uid, line(uid, "again"))));
        assertEquals(uid, r.take().uid());
    }

    @Test
    void aUidHeldOnTwoLoopsStaysOnlineUntilBothLeave() throws Exception {
        Recorder r = new Recorder();
        Broker node = node(r);
        Broker publisher = publisher();
        String uid = uid();
        await(node.subscribe(uid, 0));
        await(node.subscribe(uid, 1));

        await(node.unsubscribe(uid, 0));
        assertTrue(await(publisher.publish(uid, line(uid, "one loop left"))));
        assertEquals(uid, r.take().uid());

        await(node.unsubscribe(uid, 1));
        assertFalse(await(publisher.publish(uid, line(uid, "none left"))));
        assertNull(r.poll(QUIET));
    }

    @Test
    void broadcastReachesEveryNodeHoldingAUidAndOnlyThose() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        Recorder idle = new Recorder();
        Broker nodeA = node(a);
        Broker nodeB = node(b);
        node(idle);
        await(nodeA.subscribe(uid()));
        await(nodeB.subscribe(uid()));
        byte[] payload = "{\"broadcast\":true,\"m\":\"all\"}".getBytes(StandardCharsets.UTF_8);

        assertTrue(await(nodeA.broadcast(payload)));

        Delivery da = a.take();
        assertNull(da.uid());
        assertArrayEquals(payload, da.line());
        assertArrayEquals(payload, b.take().line());
        assertNull(idle.poll(QUIET));
    }

    @Test
    void closingANodeTakesItsUidsOffline() throws Exception {
        Recorder r = new Recorder();
        Broker node = node(r);
        Broker publisher = publisher();
        String uid = uid();
        await(node.subscribe(uid));

        node.close();

        assertFalse(await(publisher.publish(uid, line(uid, "gone"))));
    }

    @Test
    void everyPublishWrittenInOneEventLoopTurnIsAnsweredAndDelivered() throws Exception {
        Recorder gateway = new Recorder();
        Broker gatewayNode = node(gateway);
        Broker ingestNode = publisher();
        int n = 50;
        List<String> online = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            online.add(uid());
            await(gatewayNode.subscribe(online.get(i)));
        }
        // As the ingest does: many lines read in one turn of a loop, each published before the turn ends.
        List<CompletableFuture<Boolean>> answers = loops.get(0).submit(() -> {
            List<CompletableFuture<Boolean>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                all.add(ingestNode.publish(online.get(i), line(online.get(i), "turn")));
                String offline = uid();
                all.add(ingestNode.publish(offline, line(offline, "turn")));
            }
            return all;
        }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        for (int i = 0; i < answers.size(); i++) {
            assertEquals(i % 2 == 0, await(answers.get(i)), "answer " + i);
        }
        Set<String> received = new HashSet<>();
        for (int i = 0; i < n; i++) {
            received.add(gateway.take().uid());
        }
        assertEquals(new HashSet<>(online), received);
    }

    @Test
    void aThrowingListenerDoesNotStopLaterDeliveries() throws Exception {
        Recorder r = new Recorder();
        r.throwOnce = true;
        Broker node = node(r);
        Broker publisher = publisher();
        String uid = uid();
        await(node.subscribe(uid));

        await(publisher.publish(uid, line(uid, "boom")));
        assertTrue(await(publisher.publish(uid, line(uid, "next"))));

        assertTrue(new String(r.take().line(), StandardCharsets.UTF_8).contains("next"));
    }

    /**
     * One delivered line; {@code uid} is null for a broadcast. {@code loop} is the loop the broker said it is for,
     * {@code thread} the loop it was delivered on (-1: not one of {@link #loops}).
     */
    public record Delivery(String uid, byte[] line, int loop, int thread) {
    }

    /** Records deliveries in a queue tests wait on. */
    public static final class Recorder implements DeliveryListener {
        private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
        volatile boolean throwOnce;

        @Override
        public void onPush(String uid, byte[] line, int loop) {
            if (throwOnce) {
                throwOnce = false;
                throw new IllegalStateException("listener bug, on purpose");
            }
            deliveries.add(new Delivery(uid, line, loop, currentLoop()));
        }

        @Override
        public void onBroadcast(byte[] line, int loop) {
            deliveries.add(new Delivery(null, line, loop, currentLoop()));
        }

        /** Tests that do not extend the contract run their nodes on loops of their own. */
        private static int currentLoop() {
            return loops == null ? -1 : loops.indexOfCurrent();
        }

        public Delivery take() throws InterruptedException {
            Delivery d = poll(WAIT);
            assertNotNull(d, "no delivery within " + WAIT);
            return d;
        }

        public Delivery poll(Duration timeout) throws InterruptedException {
            return deliveries.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }
}
