package io.pushline.broker.redis;

import io.pushline.broker.Broker;
import io.pushline.broker.BrokerContract;
import io.pushline.broker.DeliveryListener;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.config.StartupException;
import io.pushline.common.redis.RedisNames;
import io.pushline.testkit.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.BlockingQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
    void messagesReachTheListenerOnTheNodesOwnEventLoops() throws Exception {
        BlockingQueue<Integer> loopIndexes = new LinkedBlockingQueue<>();
        Broker node = createNode("gw-loops", new DeliveryListener() {
            @Override
            public void onPush(String uid, byte[] line) {
                loopIndexes.add(loops.indexOfCurrent());
            }

            @Override
            public void onBroadcast(byte[] line) {
            }
        });
        try {
            String uid = uid();
            await(node.subscribe(uid));

            assertTrue(await(publisher().publish(uid, line(uid, "where"))));

            Integer index = loopIndexes.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(index, "no delivery");
            assertTrue(index >= 0, "delivered on a thread that is not one of the node's loops");
        } finally {
            node.close();
        }
    }

    @Test
    void aScriptFlushedFromRedisRunsFromItsSourceForAPublishMadeOnALoop() throws Exception {
        Recorder r = new Recorder();
        Broker node = node(r);
        Broker publisher = publisher();
        String uid = uid();
        await(node.subscribe(uid));
        assertTrue(await(publisher.publish(uid, line(uid, "cached"))));
        r.take();

        redis.command("SCRIPT", "FLUSH");
        // The retry by source is written from Lettuce's callback, itself on a loop: it must be flushed too.
        CompletableFuture<Boolean> answer = loops.get(1).submit(() -> publisher.publish(uid, line(uid, "reloaded")))
                .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        assertTrue(await(answer));
        assertTrue(new String(r.take().line(), StandardCharsets.UTF_8).contains("reloaded"));
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
    void anEntryWhoseNodeStoppedRefreshingReadsOfflineAfterItsTime() throws Exception {
        Broker publisher = node(new Recorder());
        String uid = uid();
        String key = new RedisNames(prefix).presenceKey(uid);
        // A node that died after vouching for the uid for 300 ms more: nothing will refresh or remove it.
        long redisNowMs = Long.parseLong(redis.command("TIME").replaceAll("^\\[(\\d+), .*", "$1")) * 1000;
        redis.command("ZADD", key, Long.toString(redisNowMs + 1_300), "dead-node");

        assertTrue(await(publisher.publish(uid, line(uid, "still vouched"))));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        boolean online = true;
        while (online && System.nanoTime() < deadline) {
            online = await(publisher.publish(uid, line(uid, "probe")));
        }
        assertFalse(online, "a dead node's entry must lapse at its time");
    }

    @Test
    void anUnreachableRedisIsReportedWithItsAddress() {
        RedisOptions nowhere = new RedisOptions("redis://127.0.0.1:1", prefix, Duration.ofSeconds(30));
        StartupException e = assertThrows(StartupException.class,
                () -> new RedisBroker(nowhere, "n", DeliveryListener.NONE, loops));
        assertTrue(e.getMessage().contains("redis://127.0.0.1:1"), e.getMessage());
    }
}
