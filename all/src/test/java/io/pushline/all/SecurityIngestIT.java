package io.pushline.all;

import io.pushline.ingest.guard.IngestGuardOptions;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may push: the AUTH line, the address allow-list and the per-connection rate limit, over real sockets. */
class SecurityIngestIT {

    private static final Duration WAIT = Pages.WAIT;
    private static final String SECRET = "php-backend-secret";

    private SecureNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private LineClient ingest() {
        return LineClient.connect(SecureNode.HOST, node.ingestPort());
    }

    @Test
    void withASecretTheFirstLineMustBeAuthElseFailAndClose() {
        node = SecureNode.withIngestGuard(IngestGuardOptions.defaults().withSecret(SECRET));
        try (WsClient page = WsClient.connect(node.ws("uid=u1"))) {
            try (LineClient noAuth = ingest()) {
                assertEquals("fail", noAuth.push("{\"uid\":\"u1\",\"m\":\"sneak\"}"));
                assertTrue(noAuth.awaitEof(WAIT));
            }
            try (LineClient wrong = ingest()) {
                assertEquals("fail", wrong.push("AUTH not-the-secret"));
                assertTrue(wrong.awaitEof(WAIT));
            }
            try (LineClient good = ingest()) {
                // AUTH and a push in one write, as a PHP fwrite of two lines would send them.
                good.write("AUTH " + SECRET + "\n{\"uid\":\"u1\",\"m\":\"hi\"}\n");
                assertEquals("ok", good.readLine(WAIT));
                assertEquals("ok", good.readLine(WAIT));
                assertEquals("ok", good.push("{\"uid\":\"u1\",\"m\":\"again\"}"));
            }
            assertEquals("{\"uid\":\"u1\",\"m\":\"hi\"}", page.awaitMessage(WAIT));
            assertEquals("{\"uid\":\"u1\",\"m\":\"again\"}", page.awaitMessage(WAIT)); // "sneak" never arrived
            assertEquals(2, node.pushline.ingest().guard().stats().authFailedCount());
        }
    }

    @Test
    void aConnectionThatNeverAuthenticatesIsRefusedAtItsDeadline() {
        node = SecureNode.withIngestGuard(IngestGuardOptions.defaults().withSecret(SECRET).withAuthTimeout(Duration.ofMillis(300)));
        try (LineClient silent = ingest()) {
            assertEquals("fail", silent.readLine(WAIT));
            assertTrue(silent.awaitEof(WAIT));
        }
        try (LineClient good = ingest()) {
            assertEquals("ok", good.push("AUTH " + SECRET));
            assertFalse(good.awaitEof(Duration.ofMillis(900)), "an authenticated connection outlives the deadline");
            assertEquals("fail", good.push("{\"uid\":\"nobody\"}"));
        }
    }

    @Test
    void aClientOutsideTheAllowListIsClosedOnAccept() {
        node = SecureNode.withIngestGuard(IngestGuardOptions.defaults().withAllow("10.0.0.0/8, 2001:db8::/32"));
        try (LineClient outsider = ingest()) {
            assertTrue(outsider.awaitEof(WAIT));
        }
        assertEquals(1, node.pushline.ingest().guard().stats().addressRefusedCount());
        node.close();
        node = SecureNode.withIngestGuard(IngestGuardOptions.defaults().withAllow("10.0.0.0/8, 127.0.0.1/32, ::1"));
        try (LineClient insider = ingest()) {
            assertEquals("fail", insider.push("{\"uid\":\"nobody\"}"));
        }
    }

    @Test
    void aRateLimitedSourceGetsFailAtOnceWhileAnotherConnectionIsServed() {
        int limit = 5;
        node = SecureNode.withIngestGuard(IngestGuardOptions.defaults().withRateLimit(limit));
        try (WsClient page = WsClient.connect(node.ws("uid=u1"));
             LineClient noisy = ingest();
             LineClient quiet = ingest()) {
            Pages.awaitReady(page, "u1", SecureNode.HOST, node.ingestPort());
            int lines = 50;
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < lines; i++) {
                burst.append("{\"uid\":\"u1\",\"n\":").append(i).append("}\n");
            }
            noisy.write(burst.toString());
            int fails = 0;
            for (int i = 0; i < lines; i++) {
                if ("fail".equals(noisy.readLine(WAIT))) {
                    fails++;
                }
            }
            // One burst spans at most two refresh periods, so at most 2 * limit lines pass.
            assertTrue(fails >= lines - 2 * limit, "fails: " + fails);
            assertEquals("ok", quiet.push("{\"uid\":\"u1\",\"m\":\"served\"}"));
            assertTrue(node.pushline.ingest().guard().stats().rateLimitedCount() >= lines - 2 * limit);
        }
    }
}
