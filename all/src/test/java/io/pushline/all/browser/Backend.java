package io.pushline.all.browser;

import io.pushline.testkit.LineClient;
import org.awaitility.Awaitility;

import java.time.Duration;

/**
 * The PHP backend's side of a browser test: pushes a line to the ingest over real TCP, like the seed's
 * {@code stream_socket_client}/{@code fwrite}/{@code fread}.
 */
final class Backend {

    static final String HOST = "127.0.0.1";
    static final Duration POLL = Duration.ofMillis(100);

    private Backend() {
    }

    /**
     * Pushes {@code line} until the ingest answers {@code ok}: a page's uid binds asynchronously after its socket
     * opens, and pushes before that answer {@code fail} and reach nobody. So exactly one push of {@code line}
     * (the one answered {@code ok}) is delivered.
     */
    static void pushWhenOnline(int ingestPort, String line) {
        try (LineClient php = LineClient.connect(HOST, ingestPort)) {
            Awaitility.await("ingest answering ok to " + line)
                    .atMost(Tab.WAIT).pollInterval(POLL).pollInSameThread()
                    .until(() -> "ok".equals(php.push(line)));
        }
    }
}
