package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestServer;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.WsClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A Redis outage seen from the outside: pages stay connected, PHP gets prompt fails, pushes resume by themselves. */
class RedisOutageIT {

    private static final String HOST = "127.0.0.1";

    private RedisServer redis;
    private GatewayServer gateway;
    private IngestServer ingest;
    private WsClient page;
    private LineClient php;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        RedisOptions options = new RedisOptions(redis.uri(), "outage", Duration.ofSeconds(30));
        gateway = Nodes.gateway(options, "gw-outage");
        ingest = Nodes.ingest(options);
        page = Pages.open(URI.create("ws://" + HOST + ":" + gateway.port() + "/"), "steady", HOST, ingest.port());
        php = LineClient.connect(HOST, ingest.port());
    }

    @AfterEach
    void stop() {
        php.close();
        page.close();
        ingest.close();
        gateway.close();
        redis.close();
    }

    @Test
    void pushesFailPromptlyDuringAnOutageAndReachTheSamePageAfterIt() {
        redis.kill();
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            assertEquals("fail", php.push("{\"uid\":\"steady\",\"during\":" + i + "}"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1_000, "line " + i + " answered after " + ms + " ms");
        }

        redis.restart();
        long restarted = System.nanoTime();
        Awaitility.await("pushes reach the page again").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> "ok".equals(php.push("{\"uid\":\"steady\",\"m\":\"back\"}")));
        long ms = (System.nanoTime() - restarted) / 1_000_000;

        assertEquals("{\"uid\":\"steady\",\"m\":\"back\"}", Pages.next(page), "the first push the page sees is from after the outage");
        assertTrue(page.isOpen(), "the page never reconnected");
        assertTrue(ms < 5_000, "back after " + ms + " ms");
    }
}
