package io.pushline.broker.redis;

import io.pushline.broker.Broker;
import io.pushline.broker.BrokerContract;
import io.pushline.broker.DeliveryListener;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.config.StartupException;
import io.pushline.common.redis.RedisNames;
import io.pushline.testkit.RedisServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.BlockingQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The broker contract against a real redis-server, plus what only the Redis broker promises. */
class RedisBrokerIT extends BrokerContract {

    private static RedisServer redis;
    /** A prefix per test class run, so runs sharing one Redis never collide. */
    private final String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    private RedisOptions options(Duration ttl) {
        return new RedisOptions(redis.uri(), prefix, ttl);
    }

    @Override
    protected Broker createNode(String nodeId, DeliveryListener listener) {
        return new RedisBroker(options(Duration.ofSeconds(30)), nodeId, listener, loops);
    }

    @Override
    protected Broker createPublisher(String name) {
        return RedisBroker.publisher(options(Duration.ofSeconds(30)), name, loops);
    }

    @Test
    void eachLoopReceivesTheLinesOfTheUidsItHoldsOnItself() throws Exception {
        Recorder r = new Recorder();
        Broker node = node(r);
        Broker publisher = publisher();
        String onFirst = uid();
        String onSecond = uid();
        String onBoth = uid();
        await(node.subscribe(onFirst, 0));
        await(node.subscribe(onSecond, 1));
        await(node.subscribe(onBoth, 0));
        await(node.subscribe(onBoth, 1));

        assertTrue(await(publisher.publish(onFirst, line(onFirst, "first"))));
        assertTrue(await(publisher.publish(onSecond, line(onSecond, "second"))));
        assertTrue(await(publisher.publish(onBoth, line(onBoth, "both"))));
        assertTrue(await(publisher.broadcast("{\"all\":1}".getBytes(StandardCharsets.UTF_8))));

        List<String> got = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Delivery d = r.take();
            assertEquals(d.loop(), d.thread(), "a line for loop " + d.loop() + " was delivered on loop " + d.thread());
            String who = d.uid() == null ? "broadcast" : d.uid().equals(onFirst) ? "first" : d.uid().equals(onSecond) ? "second" : "both";
            got.add(who + "@" + d.loop());
        }
        got.sort(null);
        assertEquals(List.of("both@0", "both@1", "broadcast@0", "broadcast@1", "first@0", "second@1"), got);
        assertNull(r.poll(QUIET));
    }

    @Test
    void aPublishCalledOnALoopIsAnsweredOnThatLoop() throws Exception {
        Broker node = node(new Recorder());
        Broker publisher = publisher();
        String uid = uid();
        await(node.subscribe(uid));

        for (int i = 0; i < loops.size(); i++) {
            CompletableFuture<Integer> answeredOn = loops.get(i)
                    .submit(() -> publisher.publish(uid, line(uid, "here")).thenApply(ok -> ok ? loops.indexOfCurrent() : -2))
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(i, await(answeredOn), "published on loop " + i);
        }
    }

    @Test
    void presenceScriptsFlushedFromRedisRunFromTheirSource() throws Exception {
        Recorder r = new Recorder();
        Broker node = node(r);
        Broker publisher = publisher();
        redis.command("SCRIPT", "FLUSH");

        String uid = uid();
        await(node.subscribe(uid)); // touch.lua, by source
        assertTrue(await(publisher.publish(uid, line(uid, "after flush"))));
        assertTrue(new String(r.take().line(), StandardCharsets.UTF_8).contains("after flush"));

        redis.command("SCRIPT", "FLUSH");
        await(node.unsubscribe(uid)); // leave.lua, by source
        assertEquals("0", redis.command("EXISTS", names().presenceKey(uid)));
        assertFalse(await(publisher.publish(uid, line(uid, "gone"))));
    }

    @Test
    void anOperatorPublishWithRedisCliReachesTheNode() throws Exception {
        Recorder r = new Recorder();
        Broker node = node(r);
        String uid = uid();
        await(node.subscribe(uid));
        String json = "{\"uid\":\"" + uid + "\",\"percent\":\"88%\"}";

        redis.command("PUBLISH", new RedisNames(prefix).userChannel(uid), json);

        Delivery d = r.take();
        assertEquals(uid, d.uid());
        assertEquals(json, new String(d.line(), StandardCharsets.UTF_8));
    }

    @Test
    void presenceIsASortedSetOfNodesAnOperatorCanRead() throws Exception {
        Broker node = createNode("gw-visible", new Recorder());
        try {
            String uid = uid();
            await(node.subscribe(uid));
            String members = redis.command("ZRANGE", new RedisNames(prefix).presenceKey(uid), "0", "-1");
            assertTrue(members.contains("gw-visible"), members);
            String ttl = redis.command("PTTL", new RedisNames(prefix).presenceKey(uid));
            long ms = Long.parseLong(ttl);
            assertTrue(ms > 20_000 && ms <= 30_000, "presence key expires with its entries, got " + ttl);
        } finally {
            node.close();
        }
    }

    @Test
    void aFrozenNodesUidReadsOfflineAtItsTimeThoughItsSubscriptionStays() throws Exception {
        Broker publisher = publisher();
        String uid = uid();
        // A node that froze after vouching for the uid for 1.3 s more: Redis keeps its subscription, and nothing
        // refreshes or removes its entry.
        try (Closeable frozen = redis.subscribe(names().userChannel(uid))) {
            vouchByHand(uid, "frozen-node", 1_300);

            assertTrue(await(publisher.publish(uid, line(uid, "still vouched"))));
            assertFalse(onlineUntilGone(publisher, uid), "a frozen node's entry must lapse at its time");
        }
    }

    @Test
    void whenOneOfTwoNodesLeavesTheKeyLastsOnlyAsLongAsTheOtherEntry() throws Exception {
        Broker node = node(new Recorder());
        Broker publisher = publisher();
        String uid = uid();
        try (Closeable frozen = redis.subscribe(names().userChannel(uid))) {
            vouchByHand(uid, "frozen-node", 1_300);
            await(node.subscribe(uid)); // vouches for 30 s: the key now expires with this entry

            await(node.unsubscribe(uid));

            long pttl = Long.parseLong(redis.command("PTTL", names().presenceKey(uid)));
            assertTrue(pttl <= 1_300, "the key must expire with the remaining entry, PTTL " + pttl);
            assertFalse(onlineUntilGone(publisher, uid), "the frozen node's entry must lapse at its time");
        }
    }

    @Test
    void aUidVouchedForButSubscribedByNoNodeIsOffline() throws Exception {
        // What Redis holds while a node's pub/sub connection is being replaced: the entry, but no subscription.
        String uid = uid();
        vouchByHand(uid, "gw-reconnecting", 30_000);

        assertFalse(await(publisher().publish(uid, line(uid, "to no one"))));
    }

    @Test
    void anOperatorsSubscriptionDoesNotMakeAnOfflineUidOnline() throws Exception {
        Broker publisher = publisher();
        String uid = uid();
        try (Closeable watching = redis.subscribe(names().userChannel(uid))) {
            assertFalse(await(publisher.publish(uid, line(uid, "watched"))));
        }
    }

    @Test
    void aNodeHoldingManySlicesOfUidsKeepsThemAllOnlineAcrossSeveralTtls() throws Exception {
        // A 1 s TTL is refreshed every 333 ms, in slices spread over 83 ms: a slice that were lost or late would
        // let its uids lapse within the 2.5 s watched.
        Broker node = new RedisBroker(options(Duration.ofSeconds(1)), "gw-many", new Recorder(), loops);
        try {
            int count = Slices.SIZE * 4 + 7;
            String[] existsArgs = new String[count + 1];
            existsArgs[0] = "EXISTS";
            CompletableFuture<?>[] joins = new CompletableFuture<?>[count];
            for (int i = 0; i < count; i++) {
                String uid = uid();
                existsArgs[i + 1] = names().presenceKey(uid);
                joins[i] = node.subscribe(uid);
            }
            await(CompletableFuture.allOf(joins));

            Awaitility.await("every presence key stays").during(Duration.ofMillis(2_500)).atMost(Duration.ofSeconds(4))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> Long.parseLong(redis.command(existsArgs)) == count);
        } finally {
            node.close();
        }
    }

    @Test
    void aNodeHoldingMoreUidsThanItsCommandQueueStaysHealthyThroughItsRefreshes() throws Exception {
        // Written at once, one refresh would overflow the command queue (RedisConnections.MAX_QUEUED_COMMANDS): its
        // commands would be refused, the node marked dirty, and a re-sync of every uid would time out in turn.
        int count = RedisConnections.MAX_QUEUED_COMMANDS + 4_000;
        RedisBroker node = new RedisBroker(options(Duration.ofSeconds(9)), "gw-huge", new Recorder(), loops);
        try {
            List<String> sampled = new ArrayList<>();
            for (int from = 0; from < count; from += 500) {
                CompletableFuture<?>[] joins = new CompletableFuture<?>[Math.min(500, count - from)];
                for (int i = 0; i < joins.length; i++) {
                    String uid = "huge-" + (from + i);
                    joins[i] = node.subscribe(uid);
                    if ((from + i) % 1_000 == 0) {
                        sampled.add(names().presenceKey(uid));
                    }
                }
                // A join that times out in a cold JVM on a loaded machine is set right by a re-sync; the joins are
                // not what is tested.
                CompletableFuture.allOf(joins).exceptionally(e -> null).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            Awaitility.await("every uid joined, the node healthy").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> node.isHealthy() && redis.command("SCARD", names().nodeUidsKey("gw-huge")).equals(Integer.toString(count)));
            String[] existsArgs = new String[sampled.size() + 1];
            existsArgs[0] = "EXISTS";
            for (int i = 0; i < sampled.size(); i++) {
                existsArgs[i + 1] = sampled.get(i);
            }

            // Refreshes every 3 s: the 7 s watched see at least two. What broke the condition last is kept, so that a
            // failure says whether the node turned unhealthy or an entry lapsed, and when.
            List<String> breaks = new ArrayList<>();
            long start = System.nanoTime();
            try {
                Awaitility.await("healthy, every entry kept").during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(12))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            boolean healthy = node.isHealthy();
                            long kept = Long.parseLong(redis.command(existsArgs));
                            if (!healthy || kept != sampled.size()) {
                                breaks.add(String.format("at %d ms: healthy %s, %d of %d sampled entries",
                                        (System.nanoTime() - start) / 1_000_000, healthy, kept, sampled.size()));
                            }
                            return healthy && kept == sampled.size();
                        });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(e.getMessage() + "; the condition broke " + breaks.size() + " times, last: "
                        + breaks.subList(Math.max(0, breaks.size() - 5), breaks.size()), e);
            }
            assertEquals(Integer.toString(count), redis.command("SCARD", names().nodeUidsKey("gw-huge")));

            // Withdraws every entry without overflowing the queue either. Awaited here rather than in close(), which
            // waits 2 s at most: 1 s on a quiet machine, more on a loaded one.
            node.withdraw().get(30, TimeUnit.SECONDS);
            node.close();
            assertEquals("0", redis.command(existsArgs));
            assertEquals("0", redis.command("SCARD", names().nodeUidsKey("gw-huge")));
        } finally {
            node.close();
        }
    }

    @Test
    void thousandsOfPagesLeavingAtOnceWaitInTheNodeNotInRedisAndNoneTimesOut() throws Exception {
        // 30,000 pages closing within a few loop turns: written at once, their leaves are 60,000 commands in
        // Redis's input, and the last of them waits for all the others, longer than a 250 ms timeout, which fails
        // it and marks the node for a re-sync. Paced, each is written when Redis has answered enough of the earlier
        // ones, and none waits that long in Redis.
        int count = 30_000;
        String node = "gw-leaving";
        RedisBroker broker = new RedisBroker(options(Duration.ofSeconds(30)).withCommandTimeout(Duration.ofMillis(250)),
                node, new Recorder(), loops);
        try {
            List<String> uids = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                uids.add("leaving-" + i);
            }
            for (List<String> slice : slices(uids, 500)) {
                // A join that times out in a cold JVM has its uid re-synced; the joins are not what is tested.
                CompletableFuture.allOf(slice.stream().map(broker::subscribe).toArray(CompletableFuture[]::new))
                        .exceptionally(e -> null).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            // Every join is answered, its uid's re-sync too if it needed one: from here a re-sync is a leave's.
            long resyncedAlone = broker.uidResyncs();
            Awaitility.await("every uid joined, the node healthy").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> broker.isHealthy() && redis.command("SCARD", names().nodeUidsKey(node)).equals(Integer.toString(count)));

            // One turn after another, as a loop reads the closes of 1,000 pages per turn: each turn's writes are
            // flushed at its end, before the next turn's decisions (tasks queued all at once would run back to back
            // for up to a second before the loop flushed or read anything, and time out commands on any code).
            List<CompletableFuture<Void>> leaves = new ArrayList<>();
            List<List<String>> slices = slices(uids, 1_000);
            for (int t = 0; t < slices.size(); t++) {
                List<String> slice = slices.get(t);
                leaves.addAll(loops.get(t % loops.size()).submit(() -> slice.stream().map(broker::unsubscribe).toList())
                        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            }
            await(CompletableFuture.allOf(leaves.toArray(CompletableFuture[]::new)));

            assertTrue(broker.isHealthy(), "no command timed out, nothing to re-sync");
            assertEquals(resyncedAlone, broker.uidResyncs(), "no leave timed out: no uid was re-synced alone");
            assertEquals(0, broker.uidResyncsPending());
            assertEquals("0", redis.command("SCARD", names().nodeUidsKey(node)));
            assertEquals("[]", redis.command("KEYS", names().presenceKey("leaving-*")));
            assertEquals(0, broker.presenceWritesQueued());
        } finally {
            broker.close();
        }
    }

    private static <T> List<List<T>> slices(List<T> items, int size) {
        List<List<T>> slices = new ArrayList<>();
        for (int from = 0; from < items.size(); from += size) {
            slices.add(items.subList(from, Math.min(items.size(), from + size)));
        }
        return slices;
    }

    @Test
    void joinsAndLeavesDecidedOnBothLoopsReachRedisInTheirOrder() throws Exception {
        // Each uid flips between joined and left many times, each flip on the other loop, so its subscribes and
        // unsubscribes are queued by both loops' turns. Redis must end with exactly the uids left joined, each
        // subscribed and online: an unsubscribe overtaking its subscribe would leave a stray subscription, the
        // reverse a joined uid nobody receives for.
        RedisBroker node = new RedisBroker(options(Duration.ofSeconds(30)), "gw-flips", new Recorder(), loops);
        try {
            int uids = 40;
            List<String> staying = new ArrayList<>();
            List<CompletableFuture<Void>> flipped = new ArrayList<>();
            for (int u = 0; u < uids; u++) {
                String uid = "flip-" + u;
                int flips = 9 + u % 4; // odd: ends joined; even: ends left
                if (flips % 2 == 1) {
                    staying.add(uid);
                }
                CompletableFuture<Void> done = new CompletableFuture<>();
                flipped.add(done);
                flip(node, uid, 0, flips, done);
            }
            await(CompletableFuture.allOf(flipped.toArray(CompletableFuture[]::new)));

            String pattern = names().userChannel("flip-*");
            List<String> expectedChannels = staying.stream().map(uid -> names().userChannel(uid)).sorted().toList();
            String[] existsArgs = new String[uids + 1];
            existsArgs[0] = "EXISTS";
            for (int u = 0; u < uids; u++) {
                existsArgs[u + 1] = names().presenceKey("flip-" + u);
            }
            Awaitility.await("Redis subscribed and vouching for exactly the uids left joined")
                    .atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> channels(pattern).equals(expectedChannels)
                            && Long.parseLong(redis.command(existsArgs)) == staying.size());
            assertEquals(staying.size(), node.subscribedUids());
        } finally {
            node.close();
        }
    }

    @Test
    void aWithdrawnNodeIsNotVouchedForAgainByItsRefreshes() throws Exception {
        // A 1 s TTL is refreshed every 333 ms: a refresh that wrote presence after the withdraw would be seen.
        RedisBroker node = new RedisBroker(options(Duration.ofSeconds(1)), "gw-withdrawn", new Recorder(), loops);
        try {
            String uid = uid();
            await(node.subscribe(uid));
            assertEquals("1", redis.command("EXISTS", names().presenceKey(uid)));

            await(node.withdraw());

            Awaitility.await("no entry through several refreshes").during(Duration.ofMillis(1_200)).atMost(Duration.ofSeconds(3))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> redis.command("EXISTS", names().presenceKey(uid)).equals("0"));
            assertEquals(1, node.subscribedUids(), "still held until its page closes");
        } finally {
            node.close();
        }
    }

    @Test
    void aNodeWithdrawingEverythingDeletesItsListWholeAndItsCloseWritesNothingAgain() throws Exception {
        RedisBroker node = new RedisBroker(options(Duration.ofSeconds(30)), "gw-leaving", new Recorder(), loops);
        try {
            List<String> exists = new ArrayList<>(List.of("EXISTS"));
            for (int i = 0; i < 300; i++) {
                String uid = uid();
                await(node.subscribe(uid));
                exists.add(names().presenceKey(uid));
            }
            String list = names().nodeUidsKey("gw-leaving");
            assertEquals("300", redis.command("SCARD", list));
            long srem = calls("srem");
            long del = calls("del");

            await(node.withdraw());
            assertEquals("0", redis.command(exists.toArray(String[]::new)), "every entry withdrawn");
            assertEquals("0", redis.command("EXISTS", list));
            assertEquals(0, calls("srem") - srem, "the list goes whole, not uid by uid");
            assertEquals(1, calls("del") - del);

            long evalsha = calls("evalsha");
            node.close();
            assertEquals(0, calls("evalsha") - evalsha, "close waits for the withdrawal instead of writing it again");
            assertEquals(1, calls("del") - del);
        } finally {
            node.close();
        }
    }

    @Test
    void theJoinsOfOneTurnLeaveAsOneSubscribe() throws Exception {
        RedisBroker node = new RedisBroker(options(Duration.ofSeconds(30)), "gw-turn", new Recorder(), loops);
        try {
            int count = 300;
            List<String> uids = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                uids.add(uid());
            }
            long before = subscribeCalls();
            List<CompletableFuture<Void>> joins = loops.get(0).submit(() -> uids.stream().map(node::subscribe).toList()).get();
            await(CompletableFuture.allOf(joins.toArray(CompletableFuture[]::new)));

            assertEquals(1, subscribeCalls() - before, "one SUBSCRIBE for the broadcast channel and 300 uids");
            List<String> exists = new ArrayList<>(List.of("EXISTS"));
            uids.forEach(uid -> exists.add(names().presenceKey(uid)));
            assertEquals(Integer.toString(count), redis.command(exists.toArray(String[]::new)));
            String pattern = names().userChannel("*");
            assertEquals(uids.stream().map(names()::userChannel).sorted().toList(), channels(pattern));
        } finally {
            node.close();
        }
    }

    /** How many SUBSCRIBE commands Redis has run since it started. */
    private long subscribeCalls() {
        return calls("subscribe");
    }

    /** How many times Redis ran {@code command} (lower case) since it started. */
    private long calls(String command) {
        String prefix = "cmdstat_" + command + ":calls=";
        for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length(), line.indexOf(',')));
            }
        }
        return 0;
    }

    /** Flip {@code i} of {@code count}: a join when even, a leave when odd, on loop {@code i % 2}; then the next. */
    private static void flip(Broker node, String uid, int i, int count, CompletableFuture<Void> done) {
        if (i == count) {
            done.complete(null);
            return;
        }
        loops.get(i % 2).execute(() -> {
            if (i % 2 == 0) {
                node.subscribe(uid);
            } else {
                node.unsubscribe(uid);
            }
            flip(node, uid, i + 1, count, done);
        });
    }

    /** The channels matching {@code pattern} that Redis has subscribers for, sorted. */
    private List<String> channels(String pattern) {
        String reply = redis.command("PUBSUB", "CHANNELS", pattern);
        String inner = reply.substring(1, reply.length() - 1);
        return inner.isEmpty() ? List.of() : Arrays.stream(inner.split(", ")).sorted().toList();
    }

    private RedisNames names() {
        return new RedisNames(prefix);
    }

    /** Writes an entry the way a node does: the node's own touch.lua, with a TTL of our choosing. */
    private void vouchByHand(String uid, String nodeId, long ttlMillis) throws IOException {
        String touch;
        try (InputStream in = RedisBroker.class.getResourceAsStream("touch.lua")) {
            touch = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        redis.command("EVAL", touch, "1", names().presenceKey(uid), nodeId, Long.toString(ttlMillis));
    }

    /** Publishes probes until one answers false, for at most 5 s; returns the last answer. */
    private boolean onlineUntilGone(Broker publisher, String uid) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        boolean online = true;
        while (online && System.nanoTime() < deadline) {
            online = await(publisher.publish(uid, line(uid, "probe")));
        }
        return online;
    }

    @Test
    void anUnreachableRedisIsReportedWithItsAddress() {
        RedisOptions nowhere = new RedisOptions("redis://127.0.0.1:1", prefix, Duration.ofSeconds(30));
        StartupException e = assertThrows(StartupException.class,
                () -> new RedisBroker(nowhere, "n", DeliveryListener.NONE, loops));
        assertTrue(e.getMessage().contains("redis://127.0.0.1:1"), e.getMessage());
    }
}
