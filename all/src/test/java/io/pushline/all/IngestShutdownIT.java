package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.ingest.IngestServer;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.TcpProxy;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stopping an ingest (what its SIGTERM hook runs) answers the lines it has already read. The lines are made to be
 * in flight for certain: the ingest reaches Redis through a proxy that swallows everything, and the test waits
 * until the proxy has swallowed their commands.
 */
class IngestShutdownIT {

    private static final int LINES = 20;

    @Test
    void linesInFlightWhenTheIngestStopsAreAllAnsweredBeforeTheirConnectionCloses() throws Exception {
        try (RedisServer redis = RedisServer.start(); TcpProxy proxy = TcpProxy.to(redis.host(), redis.port())) {
            RedisOptions viaProxy = new RedisOptions("redis://127.0.0.1:" + proxy.port(), "shutdown", Duration.ofSeconds(30));
            IngestServer ingest = Nodes.ingest(viaProxy);
            try (LineClient php = LineClient.connect("127.0.0.1", ingest.port())) {
                proxy.blackholeAll();
                php.write("{\"uid\":\"someone\",\"n\":1}\n".repeat(LINES));
                // Every line's EXISTS and PUBLISH have left the ingest and are stuck: the lines are read and
                // unanswered. The two commands' heads are a lower bound on the bytes a line's pair takes.
                long onePair = "*2\r\n$6\r\nEXISTS\r\n".length() + "*3\r\n$7\r\nPUBLISH\r\n".length();
                Awaitility.await("commands swallowed").atMost(Duration.ofSeconds(5))
                        .until(() -> proxy.swallowedUpstreamBytes() >= LINES * onePair);

                long t0 = System.nanoTime();
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(ingest::close);

                for (int i = 0; i < LINES; i++) {
                    assertEquals("fail", php.readLine(Duration.ofSeconds(5)), "line " + i + " answered (Redis timed out)");
                }
                assertTrue(php.awaitEof(Duration.ofSeconds(5)), "then the connection closes");
                stopping.get(10, TimeUnit.SECONDS);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 10_000, "stopped in " + ms + " ms");
            } finally {
                ingest.close();
            }
        }
    }
}
