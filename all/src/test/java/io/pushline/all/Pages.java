package io.pushline.all;

import io.pushline.testkit.LineClient;
import io.pushline.testkit.WsClient;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Browser pages for end-to-end tests, built on the public protocol only. A page is "ready" once a probe push
 * sent through the ingest has reached it: binding and subscribing are asynchronous (through Redis), so that is
 * the only honest signal a real client has.
 */
public final class Pages {

    public static final Duration WAIT = Duration.ofSeconds(5);
    private static final AtomicLong PROBES = new AtomicLong();

    private Pages() {
    }

    /** Connects like the seed's page (uid as first frame) and waits until pushes reach it. */
    public static WsClient open(URI ws, String uid, String ingestHost, int ingestPort) {
        WsClient page = WsClient.connect(ws);
        page.send(uid);
        awaitReady(page, uid, ingestHost, ingestPort);
        return page;
    }

    /** Pushes probes to {@code uid} until one reaches {@code page}. Other pages of the uid may see probes too. */
    public static void awaitReady(WsClient page, String uid, String ingestHost, int ingestPort) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        try (LineClient ingest = LineClient.connect(ingestHost, ingestPort)) {
            while (System.nanoTime() < deadline) {
                long n = PROBES.incrementAndGet();
                if ("ok".equals(ingest.push("{\"uid\":\"" + uid + "\",\"probe\":" + n + "}"))) {
                    String got;
                    while ((got = page.pollMessage(Duration.ofMillis(200))) != null) {
                        if (got.contains("\"probe\":" + n + "}")) {
                            return;
                        }
                    }
                }
            }
        }
        fail("page of uid " + uid + " never received a push within " + WAIT);
    }

    /** The next push that is not a readiness probe. */
    public static String next(WsClient page) {
        String msg;
        do {
            msg = page.awaitMessage(WAIT);
            assertNotNull(msg);
        } while (msg.contains("\"probe\":"));
        return msg;
    }

    /** Null when no push (other than probes) arrives within {@code quiet}. */
    public static String none(WsClient page, Duration quiet) {
        String msg;
        do {
            msg = page.pollMessage(quiet);
        } while (msg != null && msg.contains("\"probe\":"));
        return msg;
    }
}
