package io.pushline.ingest;

import io.pushline.broker.redis.RedisBroker;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.TcpProxy;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ingest's bound on work awaiting Redis, against a real redis-server: a line counts once per target uid, and an
 * event loop's connections share a budget of publishes and bytes, past which they are not read.
 */
class IngestPublishBudgetIT {

    private static final String HOST = "127.0.0.1";

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    private static RedisOptions redis(int port, Duration timeout) {
        return new RedisOptions("redis://" + HOST + ":" + port, "budget-" + UUID.randomUUID().toString().substring(0, 8),
                Duration.ofSeconds(30)).withCommandTimeout(timeout);
    }

    private IngestServer ingest(IngestOptions options, RedisOptions redis) {
        return track(new IngestServer(options, EventLoopOptions.of(1), loops -> RedisBroker.publisher(redis, "budget-it", loops)));
    }

    /**
     * The audit's overload: lines of 1,000 uids, each 1,000 publishes (2,000 commands), written at once. Counted as
     * lines they overflowed Lettuce's queue of 65,536 commands, which refused commands (a WARN with a stack trace
     * each), failed lines and opened the publish circuit. Counted by publishes against the loop's budget, every line
     * is published and answered by Redis: fail, because no uid is online, and no broker error.
     */
    @Test
    void linesOfAThousandUidsWrittenAtOnceNeverOverflowTheRedisConnectionsQueue() {
        try (RedisServer server = RedisServer.start()) {
            IngestServer ingest = ingest(IngestOptions.of(HOST, 0), redis(server.port(), Duration.ofSeconds(30)));
            StringBuilder line = new StringBuilder("{\"uid\":[");
            for (int i = 0; i < 1_000; i++) {
                line.append(i == 0 ? "" : ",").append("\"z").append(i).append('"');
            }
            String oneLine = line.append("],\"m\":\"x\"}\n").toString();
            int lines = 100;

            LineClient php = track(LineClient.connect(HOST, ingest.port()));
            php.write(oneLine.repeat(lines));
            for (int i = 0; i < lines; i++) {
                assertEquals("fail", php.readLine(Duration.ofSeconds(60)), "line " + i);
            }
            assertEquals(0, ingest.stats().brokerErrorCount(), "no line failed for the broker: Lettuce refused nothing");
            assertEquals(lines, ingest.stats().offlineCount(), "every line was published and found its uids offline");
        }
    }

    /**
     * Redis stops answering (its connection is black-holed). A client pipelines 100 lines of 10 KB. The loop's
     * budget of 256 KiB lets about 25 of them out; then the connection is not read, and nothing more leaves for
     * Redis, whatever the connection's own in-flight limit (1,024) would allow. Another connection of the loop waits
     * too. When the budget frees (the commands time out), both are read again and every line is answered.
     */
    @Test
    void aLoopPastItsBudgetStopsReadingItsConnectionsAndResumesWhenTheBudgetFrees() throws Exception {
        long budget = 256 * 1024;
        try (RedisServer server = RedisServer.start(); TcpProxy proxy = TcpProxy.to(server.host(), server.port())) {
            IngestServer ingest = ingest(IngestOptions.of(HOST, 0).withMaxPendingBytes(budget).withMaxFanoutBytes(64 * 1024),
                    redis(proxy.port(), Duration.ofSeconds(1)));
            LineClient probe = track(LineClient.connect(HOST, ingest.port()));
            assertEquals("fail", probe.push("{\"uid\":\"nobody\"}"), "Redis answers before the stall");

            proxy.blackholeAll();
            String line = "{\"uid\":\"nobody\",\"pad\":\"" + "x".repeat(10_000) + "\"}\n";
            int lines = 100;
            Socket php = track(new Socket());
            php.connect(new InetSocketAddress(HOST, ingest.port()), 2_000);
            OutputStream out = php.getOutputStream();
            CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                try {
                    out.write(line.repeat(lines).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // Each publish is an EXISTS and a PUBLISH of the line: the line's bytes plus under 100 bytes of commands.
            long bound = budget + (budget / line.length() + 1) * 100;
            Awaitility.await("the connection waits for the budget, or more than the budget reached Redis")
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> ingest.pending().waitingConnections() == 1 || proxy.swallowedUpstreamBytes() > bound);
            long swallowed = proxy.swallowedUpstreamBytes();
            assertTrue(swallowed <= bound, swallowed + " bytes left for Redis, over the budget of " + budget);
            assertTrue(ingest.pending().pendingBytes() <= budget, ingest.pending().pendingBytes() + " bytes pending");

            LineClient other = track(LineClient.connect(HOST, ingest.port()));
            other.write("{\"uid\":\"nobody\",\"from\":\"other\"}\n");
            Awaitility.await("the loop's other connection waits behind it").atMost(Duration.ofSeconds(5))
                    .until(() -> ingest.pending().waitingConnections() == 2);

            // The swallowed commands time out (1 s); the budget frees, both connections are read again.
            assertEquals("fail", other.readLine(Duration.ofSeconds(30)));
            php.setSoTimeout(30_000);
            byte[] replies = php.getInputStream().readNBytes(lines * "fail\n".length());
            assertEquals("fail\n".repeat(lines), new String(replies, StandardCharsets.US_ASCII), "every line answered");
            writing.get();
            Awaitility.await("nothing pending").atMost(Duration.ofSeconds(5))
                    .until(() -> ingest.pending().pendingBytes() == 0 && ingest.pending().waitingConnections() == 0);
        }
    }
}
