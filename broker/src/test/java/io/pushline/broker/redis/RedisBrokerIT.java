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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        return new RedisBroker(options(Duration.ofSeconds(30)), nodeId, listener);
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
                () -> new RedisBroker(nowhere, "n", DeliveryListener.NONE));
        assertTrue(e.getMessage().contains("redis://127.0.0.1:1"), e.getMessage());
    }
}
