package io.pushline.broker.redis;

import io.pushline.broker.BrokerContract.Delivery;
import io.pushline.broker.BrokerContract.Recorder;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.redis.RedisNames;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.TcpProxy;
import org.awaitility.Awaitility;
import io.pushline.common.netty.EventLoops;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis faults against a real redis-server that the test kills and restarts (with empty data), and a real TCP
 * proxy that black-holes a connection. Each test has its own server, since each breaks it.
 */
class RedisBrokerFaultIT {

    private static EventLoops loops;
    private RedisServer redis;
    private RedisOptions options;
    private RedisNames names;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void startLoops() {
        loops = EventLoops.create(2, "fault");
    }

    @AfterAll
    static void stopLoops() {
        loops.close();
    }

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        options = new RedisOptions(redis.uri(), "fault-" + UUID.randomUUID().toString().substring(0, 8), Duration.ofSeconds(30));
        names = options.names();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        redis.close();
    }

    private RedisBroker node(String id, Recorder recorder, RedisOptions o) {
        RedisBroker b = new RedisBroker(o, id, recorder, loops);
        closeables.add(0, b);
        return b;
    }

    private RedisBroker publisher() {
        RedisBroker b = RedisBroker.publisher(options, "ingest", loops);
        closeables.add(0, b);
        return b;
    }

    private static byte[] line(String uid) {
        return ("{\"uid\":\"" + uid + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Waits for a condition on an outside process that offers no notification (Redis state, a restart), polling
     * every 20 ms; returns how long it took.
     */
    private static long awaitTrue(Duration limit, BooleanSupplier condition, String what) {
        long start = System.nanoTime();
        Awaitility.await(what).atMost(limit).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static boolean publishes(RedisBroker publisher, String uid) {
        try {
            return publisher.publish(uid, line(uid)).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void afterARedisRestartWithEmptyDataPushesFlowAgainWithin5Seconds() throws Exception {
        Recorder gateway = new Recorder();
        RedisBroker node = node("gw-1", gateway, options);
        RedisBroker ingest = publisher();
        node.subscribe("alice").get(5, TimeUnit.SECONDS);
        assertTrue(ingest.publish("alice", line("alice")).get(5, TimeUnit.SECONDS));
        gateway.take();

        redis.restart(); // returns once Redis accepts connections; its data is gone

        long tookMs = awaitTrue(Duration.ofSeconds(5), () -> publishes(ingest, "alice"), "alice online again");
        Delivery d = gateway.take();
        assertEquals("alice", d.uid());
        assertTrue(tookMs < 5_000, "recovered in " + tookMs + " ms");
        awaitTrue(Duration.ofSeconds(5), node::isHealthy, "node healthy");
    }

    @Test
    void afterARedisRestartWithEmptyDataEveryUidOfANodeHoldingManySlicesIsOnlineAgain() throws Exception {
        RedisBroker node = node("gw-big", new Recorder(), options);
        int count = Slices.SIZE * 5 + 3;
        String[] existsArgs = new String[count + 1];
        existsArgs[0] = "EXISTS";
        CompletableFuture<?>[] joins = new CompletableFuture<?>[count];
        for (int i = 0; i < count; i++) {
            String uid = "big-" + i;
            existsArgs[i + 1] = names.presenceKey(uid);
            joins[i] = node.subscribe(uid);
        }
        CompletableFuture.allOf(joins).get(5, TimeUnit.SECONDS);

        redis.restart();

        awaitTrue(Duration.ofSeconds(10), () -> node.isHealthy() && Long.parseLong(redis.command(existsArgs)) == count,
                "every presence key back");
        assertEquals(Integer.toString(count), redis.command("SCARD", names.nodeUidsKey("gw-big")));
        for (int i = 0; i < count; i += Slices.SIZE - 1) {
            assertEquals(1, numsub("big-" + i), "big-" + i + " subscribed again");
        }
    }

    @Test
    void uidsThatJoinOrLeaveDuringAnOutageMatchRedisExactlyAfterIt() throws Exception {
        RedisBroker node = node("gw-1", new Recorder(), options);
        node.subscribe("stays").get(5, TimeUnit.SECONDS);
        node.subscribe("leaves").get(5, TimeUnit.SECONDS);

        redis.kill();
        CompletableFuture<Void> joining = node.subscribe("joins");
        node.unsubscribe("leaves");
        assertThrows(ExecutionException.class, () -> joining.get(5, TimeUnit.SECONDS), "Redis is down: the subscribe fails");
        assertFalse(node.isHealthy());
        redis.restart();

        awaitTrue(Duration.ofSeconds(5), () -> node.isHealthy()
                && numsub("stays") == 1 && numsub("joins") == 1 && numsub("leaves") == 0, "subscriptions match");
        assertEquals("[gw-1]", redis.command("ZRANGE", names.presenceKey("stays"), "0", "-1"));
        assertEquals("[gw-1]", redis.command("ZRANGE", names.presenceKey("joins"), "0", "-1"));
        assertEquals("[]", redis.command("ZRANGE", names.presenceKey("leaves"), "0", "-1"));
        assertEquals("[joins, stays]", sorted(redis.command("SMEMBERS", names.nodeUidsKey("gw-1"))));
    }

    @Test
    void aUidThatLeavesWhileRedisIsUpButAfterAnOutageIsUnsubscribed() throws Exception {
        // Lettuce re-subscribes the channels it knew on reconnect; one the node left during the outage must not come back.
        RedisBroker node = node("gw-1", new Recorder(), options);
        node.subscribe("gone").get(5, TimeUnit.SECONDS);
        redis.kill();
        node.unsubscribe("gone");
        redis.restart();

        awaitTrue(Duration.ofSeconds(5), node::isHealthy, "node healthy");
        assertEquals(0, numsub("gone"));
    }

    private long numsub(String uid) {
        return numsubOfChannel(names.userChannel(uid));
    }

    private long numsubOfChannel(String channel) {
        String reply = redis.command("PUBSUB", "NUMSUB", channel);
        return Long.parseLong(reply.replaceAll(".*, (\\d+)\\]$", "$1"));
    }

    private static String sorted(String list) {
        List<String> items = new ArrayList<>(List.of(list.substring(1, list.length() - 1).split(", ")));
        items.sort(null);
        return items.toString();
    }

    @Test
    void aLaneLeftWithoutUidsDuringAnOutageHearsNoBroadcastsAfterIt() throws Exception {
        // Lettuce re-subscribes every channel it knew, the broadcast channel too; a lane that holds no uid any more
        // must drop it again, or a broadcast answers ok with no page anywhere (MemoryBroker answers false).
        RedisBroker node = node("gw-1", new Recorder(), options);
        RedisBroker ingest = publisher();
        node.subscribe("only", 0).get(5, TimeUnit.SECONDS);
        assertEquals(1, numsubOfChannel(names.broadcastChannel()));

        redis.kill();
        assertThrows(ExecutionException.class, () -> node.unsubscribe("only", 0).get(5, TimeUnit.SECONDS), "Redis is down");
        redis.restart();

        // The ingest's connection comes back on its own back-off: a broadcast before that is refused, not answered.
        awaitTrue(Duration.ofSeconds(10), () -> node.isHealthy() && ingest.isHealthy() && numsub("only") == 0, "the node re-synced");
        assertEquals(0, numsubOfChannel(names.broadcastChannel()), "no lane holds a uid: none hears broadcasts");
        assertFalse(ingest.broadcast(line("all")).get(5, TimeUnit.SECONDS), "a broadcast with no page anywhere fails");
    }

    @Test
    void aUidThatMovesLoopsWhileOneLanesPubSubConnectionIsDownEndsSubscribedOnItsNewLaneOnly() throws Exception {
        // The node logs in as a user of its own, which the test can switch off: Redis then refuses the node's new
        // connections while those it has stay up, so the first lane's pub/sub connection stays down for as long
        // as the test needs.
        redis.command("ACL", "SETUSER", "node", "on", ">node-pw", "~*", "&*", "+@all");
        RedisOptions asNode = new RedisOptions("redis://node:node-pw@" + redis.host() + ":" + redis.port(), names.prefix(), Duration.ofSeconds(30));
        Recorder gateway = new Recorder();
        RedisBroker node = node("gw-1", gateway, asNode);
        RedisBroker ingest = publisher();
        node.subscribe("keeps-0", 0).get(5, TimeUnit.SECONDS);
        node.subscribe("keeps-1", 1).get(5, TimeUnit.SECONDS);
        node.subscribe("moves", 0).get(5, TimeUnit.SECONDS);
        String firstLane = pubSubClientWith(4); // the canary, broadcasts, keeps-0 and moves; the second lane has 3

        redis.command("ACL", "SETUSER", "node", "off");
        redis.command("CLIENT", "KILL", "ID", firstLane);
        awaitTrue(Duration.ofSeconds(5), () -> !node.isHealthy(), "the node saw its pub/sub connection go");
        // The page of "moves" closes on the first loop, whose UNSUBSCRIBE cannot be written, and opens on the second.
        assertThrows(ExecutionException.class, () -> node.unsubscribe("moves", 0).get(5, TimeUnit.SECONDS));
        node.subscribe("moves", 1).get(5, TimeUnit.SECONDS);
        redis.command("ACL", "SETUSER", "node", "on");

        awaitTrue(Duration.ofSeconds(10), () -> node.isHealthy() && numsub("moves") == 1 && numsub("keeps-0") == 1,
                "the first lane is back and \"moves\" is subscribed on the second lane only");
        assertTrue(ingest.publish("moves", line("moves")).get(5, TimeUnit.SECONDS));
        // A line for "keeps-0" after it: the first lane's connection would bring a copy of "moves" before it.
        assertTrue(ingest.publish("keeps-0", line("keeps-0")).get(5, TimeUnit.SECONDS));
        List<Integer> movesLoops = new ArrayList<>();
        boolean marker = false;
        while (!marker || movesLoops.isEmpty()) {
            Delivery d = gateway.take();
            if ("moves".equals(d.uid())) {
                movesLoops.add(d.loop());
            }
            marker |= "keeps-0".equals(d.uid());
        }
        assertEquals(List.of(1), movesLoops, "delivered once, on the lane that holds the page");

        node.unsubscribe("moves", 1).get(5, TimeUnit.SECONDS);
        assertEquals(0, numsub("moves"), "the node holds \"moves\" nowhere");
    }

    @Test
    void whileOneLanesPubSubConnectionStaysDownTheUidsHeldOnlyOnTheOtherLanesStayOnline() throws Exception {
        // A 3 s TTL: a refresh every second. The node logs in as a user the test switches off, as above, so that the
        // first lane's pub/sub connection stays down while every other connection of the node stays up. Before, the
        // node refreshed no presence while it waited for that connection, and every uid read offline after the TTL.
        Duration ttl = Duration.ofSeconds(3);
        redis.command("ACL", "SETUSER", "node", "on", ">node-pw", "~*", "&*", "+@all");
        RedisOptions asNode = new RedisOptions("redis://node:node-pw@" + redis.host() + ":" + redis.port(), names.prefix(), ttl);
        Recorder gateway = new Recorder();
        RedisBroker node = node("gw-1", gateway, asNode);
        RedisBroker ingest = publisher();
        // Presence is written on the lane the uid's hash picks: both lanes' command connections carry some of each.
        List<String> onFirst = List.of("first-a", "first-b", "first-c", "first-d");
        List<String> onSecond = List.of("second-a", "second-b", "second-c");
        for (String uid : onFirst) {
            node.subscribe(uid, 0).get(5, TimeUnit.SECONDS);
        }
        for (String uid : onSecond) {
            node.subscribe(uid, 1).get(5, TimeUnit.SECONDS);
        }
        node.subscribe("both", 0).get(5, TimeUnit.SECONDS);
        node.subscribe("both", 1).get(5, TimeUnit.SECONDS);
        String firstLane = pubSubClientWith(2 + onFirst.size() + 1); // the canary, broadcasts, its uids and "both"

        redis.command("ACL", "SETUSER", "node", "off");
        redis.command("CLIENT", "KILL", "ID", firstLane);
        long down = System.nanoTime();
        awaitTrue(Duration.ofSeconds(5), () -> !node.isHealthy(), "the node saw its pub/sub connection go");
        // Their pushes reach no page any more: they read offline within the TTL. "both" too: a node vouches for a
        // uid only while every loop holding a page of it receives.
        awaitTrue(ttl.multipliedBy(2), () -> onFirst.stream().allMatch(this::offline) && offline("both"),
                "the uids held on the first lane read offline");
        // The fault under test is its length: more than two TTLs, so that only refreshes keep an entry.
        awaitTrue(ttl.multipliedBy(3), () -> System.nanoTime() - down > ttl.multipliedBy(2).plusMillis(500).toNanos(),
                "the first lane stays down for more than two TTLs");

        for (String uid : onSecond) {
            assertEquals("1", redis.command("EXISTS", names.presenceKey(uid)), uid + " is still vouched for");
            assertEquals(1, deliveredOn(gateway, ingest, uid), uid + " is online and received on its loop");
        }
        for (String uid : onFirst) {
            assertFalse(ingest.publish(uid, line(uid)).get(5, TimeUnit.SECONDS), uid + " reads offline");
        }
        assertFalse(node.isHealthy(), "not ready while a connection is down");
        // Refreshes only extend entries while the node waits to re-sync: one Redis lost stays lost until the re-sync.
        redis.command("DEL", names.presenceKey("second-c"));
        String vouchedUntil = redis.command("ZSCORE", names.presenceKey("second-a"), "gw-1");
        awaitTrue(ttl.multipliedBy(2), () -> !redis.command("ZSCORE", names.presenceKey("second-a"), "gw-1").equals(vouchedUntil),
                "a refresh after the DEL");
        String extendedUntil = redis.command("ZSCORE", names.presenceKey("second-a"), "gw-1");
        awaitTrue(ttl.multipliedBy(2), () -> !redis.command("ZSCORE", names.presenceKey("second-a"), "gw-1").equals(extendedUntil),
                "one more refresh: a whole one after the DEL");
        assertTrue(offline("second-c"), "an entry Redis lost is not created again before the re-sync");

        redis.command("ACL", "SETUSER", "node", "on");
        List<String> every = new ArrayList<>(onFirst);
        every.addAll(onSecond);
        every.add("both");
        awaitTrue(Duration.ofSeconds(15), () -> node.isHealthy() && every.stream().noneMatch(this::offline),
                "the first lane is back, the node re-synced and every uid is online again");
        for (String uid : onFirst) {
            assertEquals(0, deliveredOn(gateway, ingest, uid), uid + " receives on its loop again");
        }
    }

    @Test
    void aRedisRestartedEmptyGetsNoPresenceFromANodeBeforeItsSubscriptionsAreConfirmed() throws Exception {
        // The node's user may subscribe every channel but "blocked"'s, by the configuration, which a restart brings
        // back; until then the test lets it subscribe everything. After the restart, Redis refuses the node's
        // subscription of "blocked", while every connection of the node is up and its refreshes run: nobody may be
        // vouched for before the re-sync has confirmed every subscription.
        redis.close();
        String prefix = names.prefix();
        redis = RedisServer.start(List.of("--user", "node", "on", ">node-pw", "~*", "+@all", "resetchannels",
                "&" + prefix + ":node:*", "&" + prefix + ":broadcast", "&" + prefix + ":user:{fine-*}"));
        redis.command("ACL", "SETUSER", "node", "allchannels");
        options = new RedisOptions(redis.uri(), prefix, Duration.ofSeconds(30)); // the ingest's
        Duration ttl = Duration.ofSeconds(3);
        RedisOptions asNode = new RedisOptions("redis://node:node-pw@" + redis.host() + ":" + redis.port(), prefix, ttl);
        RedisBroker node = node("gw-1", new Recorder(), asNode);
        RedisBroker ingest = publisher();
        List<String> uids = List.of("fine-0", "fine-1", "blocked");
        node.subscribe("fine-0", 0).get(5, TimeUnit.SECONDS);
        node.subscribe("fine-1", 1).get(5, TimeUnit.SECONDS);
        node.subscribe("blocked", 1).get(5, TimeUnit.SECONDS);

        redis.restart();
        long restarted = System.nanoTime();

        awaitTrue(ttl.multipliedBy(4), () -> {
            for (String uid : uids) {
                assertEquals("0", redis.command("EXISTS", names.presenceKey(uid)), uid + " vouched for before its subscription");
            }
            return System.nanoTime() - restarted > ttl.multipliedBy(2).toNanos();
        }, "two TTLs of refreshes after the restart");
        assertEquals(0, numsub("blocked"));
        assertFalse(node.isHealthy());

        redis.command("ACL", "SETUSER", "node", "allchannels");
        awaitTrue(Duration.ofSeconds(20), () -> {
            for (String uid : uids) {
                if (offline(uid)) {
                    return false;
                }
                assertEquals(1, numsub(uid), uid + " is vouched for: it must be subscribed");
            }
            return node.isHealthy();
        }, "every uid online and subscribed once Redis takes the subscriptions");
        assertTrue(ingest.publish("blocked", line("blocked")).get(5, TimeUnit.SECONDS));
    }

    private boolean offline(String uid) {
        return "0".equals(redis.command("EXISTS", names.presenceKey(uid)));
    }

    /**
     * Publishes a marked line for {@code uid}, which must answer ok, and returns the loop it was delivered on (the
     * deliveries before it are dropped).
     */
    private static int deliveredOn(Recorder gateway, RedisBroker ingest, String uid) throws Exception {
        byte[] marked = ("{\"uid\":\"" + uid + "\",\"mark\":\"" + UUID.randomUUID() + "\"}").getBytes(StandardCharsets.UTF_8);
        assertTrue(ingest.publish(uid, marked).get(5, TimeUnit.SECONDS), uid + ": the publish answers ok");
        while (true) {
            Delivery d = gateway.take();
            if (Arrays.equals(d.line(), marked)) {
                return d.loop();
            }
        }
    }

    /** The id of the one pub/sub client of Redis that is subscribed to {@code channels} channels. */
    private String pubSubClientWith(int channels) {
        List<String> ids = new ArrayList<>();
        for (String client : redis.command("CLIENT", "LIST", "TYPE", "pubsub").split("\n")) {
            if (client.contains(" sub=" + channels + " ")) {
                ids.add(client.substring(3, client.indexOf(' ')));
            }
        }
        assertEquals(1, ids.size(), "one pub/sub client with " + channels + " channels: " + redis.command("CLIENT", "LIST", "TYPE", "pubsub"));
        return ids.get(0);
    }

    @Test
    void aPubSubConnectionBackFromAnOutageLongerThanTheCanarysSilenceIsKept() throws Exception {
        Recorder gateway = new Recorder();
        RedisBroker node = node("gw-1", gateway, options);
        RedisBroker ingest = publisher();
        node.subscribe("gina").get(5, TimeUnit.SECONDS);

        redis.kill();
        long down = System.nanoTime();
        // The fault under test is the outage's length: longer than a pub/sub connection may go without a canary.
        awaitTrue(Duration.ofSeconds(20), () -> System.nanoTime() - down > RedisBroker.CANARY_SILENCE.plusSeconds(1).toNanos(),
                "the outage outlasts the canary's silence");
        redis.restart();

        awaitTrue(Duration.ofSeconds(10), () -> node.isHealthy() && publishes(ingest, "gina"), "gina online again");
        redis.command("CONFIG", "RESETSTAT");
        // Two canaries published since: a connection taken for deaf is replaced at the first check after one.
        awaitTrue(Duration.ofSeconds(10), () -> commandCalls("publish") >= 3, "two canary checks");
        assertEquals(0, node.pubSubReplacements(), "no pub/sub connection was replaced");
        assertTrue(node.isHealthy());
    }

    @Test
    void aRedisRestartReSyncsEachUidOnce() throws Exception {
        // A minute's TTL: no presence refresh (every 20 s) touches the uids during the test.
        RedisBroker node = node("gw-many", new Recorder(), new RedisOptions(redis.uri(), names.prefix(), Duration.ofSeconds(60)));
        int count = 4_000;
        String[] existsArgs = new String[count + 1];
        existsArgs[0] = "EXISTS";
        CompletableFuture<?>[] joins = new CompletableFuture<?>[count];
        for (int i = 0; i < count; i++) {
            String uid = "many-" + i;
            existsArgs[i + 1] = names.presenceKey(uid);
            joins[i] = node.subscribe(uid, i % loops.size());
        }
        CompletableFuture.allOf(joins).get(20, TimeUnit.SECONDS);

        redis.restart();
        redis.command("CONFIG", "RESETSTAT");

        awaitTrue(Duration.ofSeconds(20), () -> node.isHealthy() && Long.parseLong(redis.command(existsArgs)) == count,
                "every presence key back");
        // Writes after that would be late re-syncs: one more canary check lets their first commands arrive.
        long publishes = commandCalls("publish");
        awaitTrue(Duration.ofSeconds(10), () -> commandCalls("publish") > publishes, "a canary check");
        long touches = commandCalls("eval") + commandCalls("evalsha");
        long sadds = commandCalls("sadd");
        assertTrue(touches <= count + 100, touches + " presence scripts for " + count + " uids");
        assertTrue(sadds <= count + 100, sadds + " SADDs for " + count + " uids");
    }

    /** Successful calls of {@code command} since Redis started or its stats were reset. */
    private long commandCalls(String command) {
        for (String stat : redis.command("INFO", "commandstats").split("\r?\n")) {
            if (stat.startsWith("cmdstat_" + command + ":")) {
                long calls = Long.parseLong(stat.replaceAll("^[^:]*:calls=(\\d+),.*", "$1"));
                long failed = stat.contains("failed_calls=") ? Long.parseLong(stat.replaceAll(".*,failed_calls=(\\d+).*", "$1")) : 0;
                return calls - failed;
            }
        }
        return 0;
    }

    @Test
    void aFailureNoUidResyncRepairsReSyncsTheNodeWithoutWaitingForTheNextRefresh() throws Exception {
        // A minute's TTL: the presence refresh, which used to start such re-syncs, ticks every 20 s.
        RedisBroker node = node("gw-1", new Recorder(), new RedisOptions(redis.uri(), names.prefix(), Duration.ofSeconds(60)));
        node.subscribe("stays").get(5, TimeUnit.SECONDS);
        redis.command("CONFIG", "SET", "maxmemory", "1");

        CompletableFuture<Void> joining = node.subscribe("joins");
        assertThrows(ExecutionException.class, () -> joining.get(10, TimeUnit.SECONDS), "refused on every attempt");
        redis.command("CONFIG", "SET", "maxmemory", "0");

        awaitTrue(Duration.ofSeconds(5), node::isHealthy, "re-synced well before the next refresh");
        assertEquals("[gw-1]", redis.command("ZRANGE", names.presenceKey("joins"), "0", "-1"));
    }

    @Test
    void whileRedisIsDownEveryPublishFailsWithinOneSecondAndThenAtOnce() throws Exception {
        RedisBroker ingest = publisher();
        redis.kill();

        for (int i = 0; i < 30; i++) {
            long t0 = System.nanoTime();
            CompletableFuture<Boolean> f = ingest.publish("anyone", line("anyone"));
            assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS), "publish " + i + " must fail, not hang");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1_000, "publish " + i + " took " + ms + " ms");
        }
        assertEquals(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN, breakerState(ingest), "the circuit opened");

        redis.restart();
        awaitTrue(Duration.ofSeconds(5), () -> {
            try {
                ingest.publish("anyone", line("anyone")).get(1, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        }, "publishes succeed again without any restart of the ingest");
    }

    private static io.github.resilience4j.circuitbreaker.CircuitBreaker.State breakerState(RedisBroker b) {
        return b.publishCircuitState();
    }

    @Test
    void nothingPublishedDuringAnOutageIsReplayedAfterIt() throws Exception {
        Recorder gateway = new Recorder();
        RedisBroker node = node("gw-1", gateway, options);
        node.subscribe("bob").get(5, TimeUnit.SECONDS);
        RedisBroker ingest = publisher();

        redis.kill();
        for (int i = 0; i < 20; i++) {
            CompletableFuture<Boolean> f = ingest.publish("bob", ("{\"uid\":\"bob\",\"during\":" + i + "}").getBytes(StandardCharsets.UTF_8));
            assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
        }
        redis.restart();
        awaitTrue(Duration.ofSeconds(5), () -> publishes(ingest, "bob"), "bob online again");

        Delivery first = gateway.take();
        assertEquals("{\"uid\":\"bob\"}", new String(first.line(), StandardCharsets.UTF_8), "the first delivery after the outage is the first push after it");
    }

    @Test
    void aPubSubConnectionThatStopsReceivingIsFoundAndReplaced() throws Exception {
        TcpProxy proxy = TcpProxy.to(redis.host(), redis.port());
        closeables.add(proxy);
        RedisOptions viaProxy = new RedisOptions("redis://127.0.0.1:" + proxy.port(), options.names().prefix(), Duration.ofSeconds(30));
        Recorder gateway = new Recorder();
        RedisBroker node = node("gw-deaf", gateway, viaProxy);
        RedisBroker ingest = publisher();
        node.subscribe("carol").get(5, TimeUnit.SECONDS);
        assertTrue(ingest.publish("carol", line("carol")).get(5, TimeUnit.SECONDS));
        gateway.take();
        // Per loop a command connection, then per loop a pub/sub connection, opened in that order.
        assertEquals(2 * loops.size(), proxy.connections(), "the node's command and pub/sub connections");

        proxy.blackhole(loops.size()); // the first loop's pub/sub connection, carol's, stays open and hears nothing more
        long t0 = System.nanoTime();

        awaitTrue(Duration.ofSeconds(15), () -> !node.isHealthy(), "readiness reports the deaf connection");
        awaitTrue(Duration.ofSeconds(20), node::isHealthy, "a new pub/sub connection is live");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(tookMs <= 15_000 + 2_000, "replaced after " + tookMs + " ms");
        assertTrue(ingest.publish("carol", line("carol")).get(5, TimeUnit.SECONDS));
        Delivery d;
        do {
            d = gateway.take();
        } while (d.uid() == null);
        assertNotNull(d);
        assertEquals("carol", d.uid());
    }

    @Test
    void aPubSubConnectionRedisClosesPastItsOutputBufferLimitIsReplacedAndItsUidsReceiveAgain() throws Exception {
        Recorder gateway = new Recorder();
        RedisBroker node = node("gw-behind", gateway, options);
        RedisBroker ingest = publisher();
        node.subscribe("frank").get(5, TimeUnit.SECONDS);
        assertTrue(ingest.publish("frank", line("frank")).get(5, TimeUnit.SECONDS));
        gateway.take();
        String subscribersBefore = pubSubClientIds();
        long resyncsBefore = node.resyncs();

        // The limit Redis puts on what waits for a subscriber (default 32 MB), low; then one script publishes 4 MB
        // to frank's channel. Redis writes to clients between commands, so all of it waits in the subscriber's output
        // buffer, as it would for a gateway too slow to read a burst, and Redis closes that connection.
        redis.command("CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 256kb 0");
        redis.command("EVAL", "for i = 1, 400 do redis.call('PUBLISH', KEYS[1], ARGV[1]) end", "1",
                names.userChannel("frank"), "{\"uid\":\"frank\",\"pad\":\"" + "x".repeat(10_000) + "\"}");
        redis.command("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60");

        awaitTrue(Duration.ofSeconds(5), () -> !pubSubClientIds().equals(subscribersBefore), "Redis closed the subscriber that fell behind");
        awaitTrue(Duration.ofSeconds(10), () -> node.isHealthy() && publishes(ingest, "frank"), "frank online and subscribed again");
        byte[] marker = "{\"uid\":\"frank\",\"after\":true}".getBytes(StandardCharsets.UTF_8);
        assertTrue(ingest.publish("frank", marker).get(5, TimeUnit.SECONDS));
        Delivery d;
        do {
            d = gateway.take(); // what reached the node before the close, then the probes, then the marker
        } while (!new String(d.line(), StandardCharsets.UTF_8).contains("after"));
        assertEquals("frank", d.uid());
        assertTrue(node.resyncs() > resyncsBefore, "the node re-synced after the reconnect");
    }

    /** The ids of Redis's pub/sub clients, sorted, comma-separated. */
    private String pubSubClientIds() {
        List<String> ids = new ArrayList<>();
        for (String client : redis.command("CLIENT", "LIST", "TYPE", "pubsub").split("\n")) {
            if (client.startsWith("id=")) {
                ids.add(client.substring(3, client.indexOf(' ')));
            }
        }
        ids.sort(null);
        return String.join(",", ids);
    }

    @Test
    void aRestartedNodeWithdrawsThePresenceItsPreviousLifeLeftBehind() throws Exception {
        // What a crashed gateway "gw-phoenix" leaves: its list of uids and presence entries vouching for 30 s more;
        // "dave" is held by another node too, "erin" by the crashed one only.
        long redisNowMs = Long.parseLong(redis.command("TIME").replaceAll("^\\[(\\d+), .*", "$1")) * 1000;
        redis.command("SADD", names.nodeUidsKey("gw-phoenix"), "dave", "erin");
        redis.command("ZADD", names.presenceKey("dave"), Long.toString(redisNowMs + 30_000), "gw-phoenix");
        redis.command("ZADD", names.presenceKey("dave"), Long.toString(redisNowMs + 20_000), "gw-other");
        redis.command("PEXPIREAT", names.presenceKey("dave"), Long.toString(redisNowMs + 30_000));
        redis.command("ZADD", names.presenceKey("erin"), Long.toString(redisNowMs + 30_000), "gw-phoenix");
        redis.command("PEXPIREAT", names.presenceKey("erin"), Long.toString(redisNowMs + 30_000));

        node("gw-phoenix", new Recorder(), options);

        assertEquals("[gw-other]", redis.command("ZRANGE", names.presenceKey("dave"), "0", "-1"), "only the other node's entry remains");
        long pttl = Long.parseLong(redis.command("PTTL", names.presenceKey("dave")));
        assertTrue(pttl <= 20_000, "the key now expires with the other node's entry, PTTL " + pttl);
        assertEquals("0", redis.command("EXISTS", names.presenceKey("erin")), "nobody vouches for erin any more");
        assertEquals("0", redis.command("EXISTS", names.nodeUidsKey("gw-phoenix")));
    }

    @Test
    void aJoinRedisRefusesHasItsUidReSyncedAloneWhileTheNodeStaysReady() throws Exception {
        RedisBroker node = node("gw-1", new Recorder(), options);
        node.subscribe("stays").get(5, TimeUnit.SECONDS);
        redis.command("CONFIG", "SET", "maxmemory", "1"); // noeviction: Redis refuses the join's ZADD and SADD (OOM)

        CompletableFuture<Void> joining = node.subscribe("joins");
        awaitTrue(Duration.ofSeconds(5), () -> node.uidResyncsPending() == 1, "the refused join waits for the uid's re-sync");
        assertTrue(node.isHealthy(), "one refused write does not take the node out of rotation");
        assertFalse(joining.isDone(), "the join is answered when the uid's re-sync is");
        redis.command("CONFIG", "SET", "maxmemory", "0");

        joining.get(5, TimeUnit.SECONDS);
        assertEquals("[gw-1]", redis.command("ZRANGE", names.presenceKey("joins"), "0", "-1"));
        assertEquals("[joins, stays]", sorted(redis.command("SMEMBERS", names.nodeUidsKey("gw-1"))));
        assertEquals(1, node.uidResyncs());
        assertEquals(0, node.resyncs(), "no re-sync of every uid");
        assertTrue(node.isHealthy());
    }

    @Test
    void aJoinRedisKeepsRefusingMakesTheNodeReSyncEverythingOnceItsAttemptsRunOut() throws Exception {
        // A 3 s TTL: the node's timer, which starts re-syncs, ticks every second.
        RedisBroker node = node("gw-1", new Recorder(), new RedisOptions(redis.uri(), names.prefix(), Duration.ofSeconds(3)));
        redis.command("CONFIG", "SET", "maxmemory", "1");

        CompletableFuture<Void> joining = node.subscribe("joins");
        assertThrows(ExecutionException.class, () -> joining.get(10, TimeUnit.SECONDS), "refused on every attempt");
        assertFalse(node.isHealthy(), "the node must re-sync, and is not ready meanwhile");
        redis.command("CONFIG", "SET", "maxmemory", "0");

        awaitTrue(Duration.ofSeconds(15), node::isHealthy, "re-synced once Redis takes writes again");
        assertTrue(node.resyncs() >= 1);
        assertEquals("[gw-1]", redis.command("ZRANGE", names.presenceKey("joins"), "0", "-1"));
    }

    @Test
    void aLeaveWhosePresenceWriteTimesOutHasItsUidReSyncedAlone() throws Exception {
        RedisBroker node = node("gw-1", new Recorder(), options.withCommandTimeout(Duration.ofMillis(200)));
        node.subscribe("stays").get(5, TimeUnit.SECONDS);
        node.subscribe("leaves").get(5, TimeUnit.SECONDS);
        redis.command("CLIENT", "PAUSE", "700", "WRITE"); // the leave's script waits in Redis past its 200 ms

        node.unsubscribe("leaves").get(10, TimeUnit.SECONDS);

        assertTrue(node.uidResyncs() >= 1, "the uid was re-synced alone");
        assertEquals(0, node.resyncs());
        assertTrue(node.isHealthy());
        assertEquals("[]", redis.command("ZRANGE", names.presenceKey("leaves"), "0", "-1"));
        assertEquals("[stays]", redis.command("SMEMBERS", names.nodeUidsKey("gw-1")));
        assertEquals(0, numsub("leaves"));
    }

    @Test
    void touchesOfARefreshThatTimeOutHaveTheirUidsReSyncedAlone() throws Exception {
        // A 3 s TTL: a refresh every second, each touching both uids. The first comes about a second after the node
        // starts, inside a pause of 1.5 s long enough for its touches to time out.
        RedisBroker node = node("gw-1", new Recorder(),
                new RedisOptions(redis.uri(), names.prefix(), Duration.ofSeconds(3)).withCommandTimeout(Duration.ofMillis(200)));
        node.subscribe("one").get(5, TimeUnit.SECONDS);
        node.subscribe("two").get(5, TimeUnit.SECONDS);

        redis.command("CLIENT", "PAUSE", "1500", "WRITE");

        awaitTrue(Duration.ofSeconds(6), () -> node.uidResyncs() >= 1 && node.uidResyncsPending() == 0, "the uids re-synced alone");
        assertEquals(0, node.resyncs());
        assertTrue(node.isHealthy());
        assertEquals("[gw-1]", redis.command("ZRANGE", names.presenceKey("one"), "0", "-1"));
        assertEquals("[gw-1]", redis.command("ZRANGE", names.presenceKey("two"), "0", "-1"));
    }

    @Test
    void aLeaveWhoseUnsubscribeTimesOutHasItsUidReSyncedAlone() throws Exception {
        // "leaves" is the only uid on the first loop: its leave unsubscribes that lane from broadcasts too.
        RedisBroker node = node("gw-1", new Recorder(), options.withCommandTimeout(Duration.ofMillis(200)));
        node.subscribe("stays", 1).get(5, TimeUnit.SECONDS);
        node.subscribe("leaves", 0).get(5, TimeUnit.SECONDS);
        assertEquals(2, numsubOfChannel(names.broadcastChannel()));
        redis.command("CLIENT", "PAUSE", "700", "ALL"); // the UNSUBSCRIBE, too, waits in Redis past its 200 ms

        node.unsubscribe("leaves", 0).get(10, TimeUnit.SECONDS);

        assertTrue(node.uidResyncs() >= 1, "the uid was re-synced alone");
        assertEquals(0, node.resyncs());
        assertTrue(node.isHealthy());
        assertEquals(0, numsub("leaves"));
        assertEquals(1, numsub("stays"));
        assertEquals(1, numsubOfChannel(names.broadcastChannel()), "only the second lane still hears broadcasts");
        assertEquals("[]", redis.command("ZRANGE", names.presenceKey("leaves"), "0", "-1"));
    }
}
