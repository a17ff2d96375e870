package io.pushline.all;

import io.pushline.broker.redis.RedisBroker;
import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestServer;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis stalls for a second (as a loaded machine stalls it) while pages join: their commands time out, and each of
 * their uids is re-synced alone afterwards, while the gateway stays ready and re-syncs nothing else.
 */
class RedisStallIT {

    private static final String HOST = "127.0.0.1";

    private RedisServer redis;
    private GatewayServer gateway;
    private IngestServer ingest;
    private final List<WsClient> pages = new ArrayList<>();

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        RedisOptions options = new RedisOptions(redis.uri(), "stall", Duration.ofSeconds(30)).withCommandTimeout(Duration.ofMillis(200));
        gateway = Nodes.gateway(options, "gw-stall");
        ingest = Nodes.ingest(options);
    }

    @AfterEach
    void stop() {
        pages.forEach(WsClient::close);
        ingest.close();
        gateway.close();
        redis.close();
    }

    @Test
    void pagesThatJoinWhileRedisStallsGetTheirPushesAfterItWithoutAReSyncOfTheNode() {
        URI ws = URI.create("ws://" + HOST + ":" + gateway.port() + "/");
        pages.add(Pages.open(ws, "before", HOST, ingest.port()));

        redis.command("CLIENT", "PAUSE", "1000", "ALL"); // every command waits in Redis past its 200 ms timeout
        for (int i = 0; i < 20; i++) {
            WsClient page = WsClient.connect(ws);
            page.send("during-" + i);
            pages.add(page);
        }

        for (int i = 0; i < 20; i++) {
            Pages.awaitReady(pages.get(i + 1), "during-" + i, HOST, ingest.port());
        }
        Pages.awaitReady(pages.get(0), "before", HOST, ingest.port());
        RedisBroker node = (RedisBroker) gateway.broker();
        assertTrue(node.uidResyncs() >= 1, "the joins that timed out had their uids re-synced alone");
        assertEquals(0, node.resyncs(), "no re-sync of every uid");
        assertTrue(node.isHealthy());
    }
}
