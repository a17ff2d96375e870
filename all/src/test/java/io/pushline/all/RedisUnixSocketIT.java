package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestServer;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.WsClient;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both services reaching a Redis on the same machine over its unix socket ({@code redis-socket://}): a push and a
 * {@code fail} end to end, every connection of theirs on the socket, and the same after Redis restarts and
 * creates its socket anew.
 */
class RedisUnixSocketIT {

    private static final String HOST = "127.0.0.1";

    @Test
    void aGatewayAndAnIngestBrokerThroughRedisOverItsUnixSocketAndReconnectAfterARestart(@TempDir Path dir) {
        Path socket = dir.resolve("redis.sock");
        // The TCP port stays for the test's own commands, so that its connection is told apart from the services'.
        try (RedisServer redis = RedisServer.start(List.of("--unixsocket", socket.toString(), "--unixsocketperm", "700"))) {
            RedisOptions options = new RedisOptions("redis-socket://" + socket, "uds", Duration.ofSeconds(30));
            GatewayServer gateway = Nodes.gateway(options, "gw-uds");
            IngestServer ingest = Nodes.ingest(options);
            try (WsClient page = Pages.open(URI.create("ws://" + HOST + ":" + gateway.port() + "/"), "local", HOST, ingest.port());
                 LineClient php = LineClient.connect(HOST, ingest.port())) {
                assertEquals("ok", php.push("{\"uid\":\"local\",\"m\":\"over the socket\"}"));
                assertEquals("{\"uid\":\"local\",\"m\":\"over the socket\"}", Pages.next(page));
                assertEquals("fail", php.push("{\"uid\":\"nobody\",\"m\":1}"));
                assertOnlyTheSocket(redis, socket);

                redis.restart();
                Awaitility.await("pushes reach the page again once the services are back on the new socket")
                        .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> "ok".equals(php.push("{\"uid\":\"local\",\"m\":\"back\"}")));
                assertEquals("{\"uid\":\"local\",\"m\":\"back\"}", Pages.next(page), "the first push the page sees is from after the restart");
                assertTrue(page.isOpen(), "the page never reconnected");
                assertOnlyTheSocket(redis, socket);
            } finally {
                ingest.close();
                gateway.close();
            }
        }
    }

    /** Every client but the test's own (over TCP) is on the socket, the gateway's pub/sub connections among them. */
    private static void assertOnlyTheSocket(RedisServer redis, Path socket) {
        List<String> services = Arrays.stream(redis.command("CLIENT", "LIST").split("\n"))
                .filter(line -> !line.contains("cmd=client|list")).toList();
        String onSocket = "laddr=" + socket + ":0";
        // At least a lane per service: its command connection, and the gateway's pub/sub connection.
        assertTrue(services.size() >= 3, "the services' connections: " + services);
        assertTrue(services.stream().allMatch(line -> line.contains(onSocket)), "all on " + socket + ": " + services);
        assertTrue(redis.command("CLIENT", "LIST", "TYPE", "pubsub").contains(onSocket), "the gateway subscribes over the socket");
    }
}
