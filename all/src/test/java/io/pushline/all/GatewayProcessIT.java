package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayMain;
import io.pushline.ingest.IngestServer;
import io.pushline.testkit.JavaProcess;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gateway as a real separate process, so that its death is real: SIGKILL leaves its presence behind, which
 * must lapse within the presence TTL; SIGTERM cleans up at once and closes browsers with 1001.
 */
class GatewayProcessIT {

    private static final String HOST = "127.0.0.1";
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Pattern LISTENING = Pattern.compile("listening for WebSockets on [^:]+:(\\d+)");
    private static RedisServer redis;

    private RedisOptions options;
    private JavaProcess gateway;
    private IngestServer ingest;
    private WsClient page;
    private LineClient php;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void start() {
        String prefix = "gp-" + UUID.randomUUID().toString().substring(0, 8);
        options = new RedisOptions(redis.uri(), prefix, TTL);
        gateway = JavaProcess.start(GatewayMain.class.getName(),
                List.of("--ws-host", HOST, "--ws-port", "0", "--node-id", "gw-process", "--presence-ttl", "3s", "--admin-port", "-1"),
                Map.of("PUSHLINE_REDIS_URL", redis.uri(), "PUSHLINE_REDIS_PREFIX", prefix));
        Matcher m = LISTENING.matcher(gateway.awaitLine(LISTENING, Duration.ofSeconds(20)));
        assertTrue(m.find());
        ingest = Nodes.ingest(options);
        php = LineClient.connect(HOST, ingest.port());
        URI ws = URI.create("ws://" + HOST + ":" + m.group(1) + "/");
        page = Pages.open(ws, "victim", HOST, ingest.port());
    }

    @AfterEach
    void stop() {
        page.close();
        php.close();
        ingest.close();
        gateway.close();
    }

    @Test
    void aKilledGatewaysUidsReadOfflineAtOnce() {
        assertEquals("ok", php.push("{\"uid\":\"victim\"}"));

        gateway.kill();
        long killedAt = System.nanoTime();
        String reply = pushUntilFail("victim", TTL.plusSeconds(3));

        long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
        assertEquals("fail", reply, "still online " + tookMs + " ms after SIGKILL");
        // Its entry still vouches, but its subscription died with its socket: no need to wait for the TTL.
        assertTrue(tookMs < TTL.toMillis() / 2, "offline only after " + tookMs + " ms, the TTL is " + TTL);
    }

    @Test
    void aFrozenGatewaysUidsReadOfflineWithinThePresenceTtl() {
        assertEquals("ok", php.push("{\"uid\":\"victim\"}"));

        gateway.freeze(); // its sockets stay open, so Redis keeps its subscription: only the entry's time can tell
        try {
            long frozenAt = System.nanoTime();
            String reply = pushUntilFail("victim", TTL.plusSeconds(3));

            long tookMs = (System.nanoTime() - frozenAt) / 1_000_000;
            assertEquals("fail", reply, "still online " + tookMs + " ms after SIGSTOP");
            assertTrue(tookMs <= TTL.toMillis() + 1_000, "offline only after " + tookMs + " ms, bound is the TTL " + TTL);
        } finally {
            gateway.thaw();
        }
    }

    private String pushUntilFail(String uid, Duration atMost) {
        long start = System.nanoTime();
        String reply;
        do {
            reply = php.push("{\"uid\":\"" + uid + "\"}");
        } while ("ok".equals(reply) && System.nanoTime() - start < atMost.toNanos());
        return reply;
    }

    @Test
    void aGatewayRestartedWithTheSameIdWithdrawsWhatItsKilledLifeLeftBehind() {
        // A long TTL, so that only the withdrawal, not the expiry, can make the uid read offline in time.
        gateway.kill();
        page.close();
        String prefix = options.names().prefix();
        try (JavaProcess first = gatewayProcess("gw-phoenix", "30s", prefix);
             WsClient victim = Pages.open(wsOf(first), "phoenix-user", HOST, ingest.port())) {
            first.kill(); // with the page still connected: nothing is withdrawn
        }
        String key = options.names().presenceKey("phoenix-user");
        assertEquals("[gw-phoenix]", redis.command("ZRANGE", key, "0", "-1"), "the killed life still vouches for the uid");

        try (JavaProcess second = gatewayProcess("gw-phoenix", "30s", prefix)) {
            second.awaitLine(Pattern.compile("pushline-gateway: started"), Duration.ofSeconds(20));
            assertEquals("0", redis.command("EXISTS", key), "withdrawn at start, long before the 30 s TTL");
        }
    }

    private static JavaProcess gatewayProcess(String nodeId, String ttl, String prefix) {
        return JavaProcess.start(GatewayMain.class.getName(),
                List.of("--ws-host", HOST, "--ws-port", "0", "--node-id", nodeId, "--presence-ttl", ttl, "--admin-port", "-1"),
                Map.of("PUSHLINE_REDIS_URL", redis.uri(), "PUSHLINE_REDIS_PREFIX", prefix));
    }

    private static URI wsOf(JavaProcess p) {
        Matcher m = LISTENING.matcher(p.awaitLine(LISTENING, Duration.ofSeconds(20)));
        assertTrue(m.find());
        return URI.create("ws://" + HOST + ":" + m.group(1) + "/");
    }

    @Test
    void aTerminatedGatewayClosesPagesWith1001AndLeavesNoPresence() {
        gateway.terminate();

        assertEquals(1001, page.awaitClose(Duration.ofSeconds(10)));
        // A JVM stopped by SIGTERM exits 143 even after its shutdown hooks ran: the log says it was clean.
        gateway.awaitLine(Pattern.compile("pushline-gateway gw-process: withdrew the presence of its 1 connections in \\d+ ms"),
                Duration.ofSeconds(10));
        gateway.awaitLine(Pattern.compile("pushline-gateway gw-process stopped; closed 1 connections with 1001"), Duration.ofSeconds(10));
        assertEquals(143, gateway.awaitExit(Duration.ofSeconds(10)));
        assertEquals("fail", php.push("{\"uid\":\"victim\"}"), "a clean stop removes presence at once");
        assertEquals("[]", redis.command("ZRANGE", options.names().presenceKey("victim"), "0", "-1"));
    }
}
