package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.common.redis.RedisNames;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestServer;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.WsClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.pushline.all.Pages.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two gateway nodes and one ingest sharing one real Redis, as in production. */
class MultiNodeIT {

    private static final String HOST = "127.0.0.1";
    private static RedisServer redis;

    private RedisOptions options;
    private GatewayServer gatewayA;
    private GatewayServer gatewayB;
    private IngestServer ingest;
    private final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void startNodes() {
        options = new RedisOptions(redis.uri(), "mn-" + UUID.randomUUID().toString().substring(0, 8), Duration.ofSeconds(30));
        gatewayA = Nodes.gateway(options, "gw-a");
        gatewayB = Nodes.gateway(options, "gw-b");
        ingest = Nodes.ingest(options);
    }

    @AfterEach
    void stopNodes() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        ingest.close();
        gatewayA.close();
        gatewayB.close();
    }

    private WsClient page(GatewayServer node, String uid) {
        WsClient page = Pages.open(URI.create("ws://" + HOST + ":" + node.port() + "/"), uid, HOST, ingest.port());
        clients.add(page);
        return page;
    }

    private LineClient php() {
        LineClient c = LineClient.connect(HOST, ingest.port());
        clients.add(c);
        return c;
    }

    private static String uid() {
        return "m" + UUID.randomUUID().toString().substring(0, 12);
    }

    @Test
    void aPushCrossesFromTheIngestToWhicheverNodeHoldsTheUid() {
        String onA = uid();
        String onB = uid();
        WsClient pageA = page(gatewayA, onA);
        WsClient pageB = page(gatewayB, onB);
        LineClient php = php();

        assertEquals("ok", php.push("{\"uid\":\"" + onA + "\",\"to\":\"a\"}"));
        assertEquals("ok", php.push("{\"uid\":\"" + onB + "\",\"to\":\"b\"}"));

        assertEquals("{\"uid\":\"" + onA + "\",\"to\":\"a\"}", Pages.next(pageA));
        assertEquals("{\"uid\":\"" + onB + "\",\"to\":\"b\"}", Pages.next(pageB));
    }

    @Test
    void aUidOnTwoNodesGetsEveryPushOnBothAndStaysOnlineUntilItsLastConnectionLeaves() {
        String uid = uid();
        WsClient laptop = page(gatewayA, uid);
        WsClient phone = page(gatewayB, uid);
        LineClient php = php();

        assertEquals("ok", php.push("{\"uid\":\"" + uid + "\",\"n\":1}"));
        assertEquals("{\"uid\":\"" + uid + "\",\"n\":1}", Pages.next(laptop));
        assertEquals("{\"uid\":\"" + uid + "\",\"n\":1}", Pages.next(phone));

        laptop.close();
        assertEquals("ok", php.push("{\"uid\":\"" + uid + "\",\"n\":2}"));
        assertEquals("{\"uid\":\"" + uid + "\",\"n\":2}", Pages.next(phone));

        phone.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        String reply;
        do {
            reply = php.push("{\"uid\":\"" + uid + "\",\"n\":3}");
        } while ("ok".equals(reply) && System.nanoTime() < deadline);
        assertEquals("fail", reply);
    }

    @Test
    void anOperatorPublishWithRedisCliReachesTheBrowser() {
        String uid = uid();
        WsClient page = page(gatewayB, uid);
        String json = "{\"uid\":\"" + uid + "\",\"percent\":\"88%\"}";

        // redis-cli PUBLISH 'pushline:user:{uid}' '{"uid":"...","percent":"88%"}'
        String receivers = redis.command("PUBLISH", new RedisNames(options.names().prefix()).userChannel(uid), json);

        assertEquals("1", receivers, "exactly one node holds the uid");
        assertEquals(json, Pages.next(page));
    }

    @Test
    void anOperatorCanSeeWhoIsOnlineWithRedisCli() {
        String uid = uid();
        page(gatewayA, uid);
        page(gatewayB, uid);
        RedisNames names = options.names();

        // A gateway subscribes a page's uid, then writes its presence: a page may get pushes (the readiness probe
        // among them, answered ok from the other node's presence) a moment before its node shows in the key.
        Awaitility.await("both nodes in the uid's presence").atMost(WAIT).pollInterval(Duration.ofMillis(10))
                .until(() -> redis.command("ZRANGE", names.presenceKey(uid), "0", "-1"),
                        nodes -> nodes.contains("gw-a") && nodes.contains("gw-b"));
        String keys = redis.command("KEYS", names.presenceKeyPattern());
        assertTrue(keys.contains(names.presenceKey(uid)), keys);
    }

    @Test
    void aBroadcastReachesPagesOnEveryNode() {
        WsClient pageA = page(gatewayA, uid());
        WsClient pageB = page(gatewayB, uid());
        String line = "{\"broadcast\":true,\"m\":\"all nodes\"}";

        assertEquals("ok", php().push(line));

        assertEquals(line, Pages.next(pageA));
        assertEquals(line, Pages.next(pageB));
    }
}
