package io.pushline.all;

import io.pushline.common.netty.Transport;
import io.pushline.testkit.JavaProcess;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A Redis-mode node on io_uring, started as an operator starts it ({@code --transport io_uring}), in a JVM of its own:
 * Lettuce picks its transport once per process, so only a fresh process shows where its connections run.
 */
class IoUringRedisNodeIT {

    private static final String HOST = "127.0.0.1";
    private static final Duration START = Duration.ofSeconds(20);

    @BeforeAll
    static void ioUringIsAllowedHere() {
        assumeTrue(Transport.IO_URING.isAvailable(), () -> "io_uring is not available: " + Transport.IO_URING.unavailabilityCause());
    }

    @Test
    void overTcpTheRedisConnectionsRunOnTheNodesIoUringLoops() throws Exception {
        try (RedisServer redis = RedisServer.start();
             JavaProcess node = ioUringNode(redis.uri())) {
            pushesGoThrough(node, redis, "the node's loops");
        }
    }

    @Test
    void overAUnixSocketTheRedisConnectionsRunOnLettucesOwnThreads(@TempDir Path dir) throws Exception {
        // Lettuce reaches a unix socket through epoll only, which cannot share an io_uring loop.
        Path socket = dir.resolve("redis.sock");
        try (RedisServer redis = RedisServer.start(List.of("--unixsocket", socket.toString(), "--unixsocketperm", "700"));
             JavaProcess node = ioUringNode("redis-socket://" + socket)) {
            pushesGoThrough(node, redis, "Lettuce's threads");
            assertTrue(redis.command("CLIENT", "LIST", "TYPE", "pubsub").contains("laddr=" + socket), "subscribed over the socket");
        }
    }

    private static JavaProcess ioUringNode(String redisUrl) {
        return JavaProcess.start(PushlineMain.class.getName(), List.of("--ws-host", HOST, "--ws-port", "0",
                "--ingest-port", "0", "--admin-port", "-1", "--event-loops", "2", "--transport", "io_uring"),
                Map.of("PUSHLINE_REDIS_URL", redisUrl));
    }

    /** Pushes and a fail end to end; the node says where its Redis connections run, and warns of nothing. */
    private static void pushesGoThrough(JavaProcess node, RedisServer redis, String lanesOn) throws Exception {
        String lanes = ".*2 lanes on " + Pattern.quote(lanesOn) + ".*io_uring transport";
        int wsPort = port(node.awaitLine(Pattern.compile("pushline-gateway listening for WebSockets on " + lanes), START));
        int ingestPort = port(node.awaitLine(Pattern.compile("pushline-ingest listening for lines on " + lanes), START));
        URI ws = URI.create("ws://" + HOST + ":" + wsPort + "/");

        try (WsClient page = Pages.open(ws, "u-ring", HOST, ingestPort);
             LineClient php = LineClient.connect(HOST, ingestPort)) {
            assertEquals("ok", php.push("{\"uid\":\"u-ring\",\"n\":1}"));
            assertEquals("{\"uid\":\"u-ring\",\"n\":1}", Pages.next(page));
            assertEquals("fail", php.push("{\"uid\":\"nobody-here\",\"n\":2}"));

            // A script that writes its line and exits: on io_uring its reply is written after the FIN has been
            // read, to a closed socket. The push still goes, and the node takes it as a normal close.
            try (Socket script = new Socket()) {
                script.connect(new InetSocketAddress(HOST, ingestPort), 1_000);
                script.getOutputStream().write("{\"uid\":\"u-ring\",\"n\":3}\n".getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("{\"uid\":\"u-ring\",\"n\":3}", Pages.next(page));
            assertEquals("ok", php.push("{\"uid\":\"u-ring\",\"n\":4}"));
            assertEquals("{\"uid\":\"u-ring\",\"n\":4}", Pages.next(page));
            assertEquals("1", redis.command("EXISTS", "pushline:presence:{u-ring}"), "the page's presence");
        }
        // Loopback without a token key is the one warning a node started so gives (uids are trusted as sent).
        List<String> warnings = node.output().lines()
                .filter(l -> l.contains(" WARN ") && !l.contains("GatewaySecurity")).toList();
        assertEquals(List.of(), warnings);
    }

    private static int port(String line) {
        Matcher m = Pattern.compile("on [^:]+:(\\d+) ").matcher(line);
        assertTrue(m.find(), line);
        return Integer.parseInt(m.group(1));
    }
}
