package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.gateway.auth.AuthOptions;
import io.pushline.gateway.guard.GuardOptions;
import io.pushline.ingest.IngestOptions;
import io.pushline.ingest.guard.IngestGuardOptions;
import io.pushline.testkit.LineClient;

import java.net.URI;
import java.time.Duration;

/** An in-memory Pushline on loopback with the security settings a test chooses. */
final class SecureNode implements AutoCloseable {

    static final String HOST = "127.0.0.1";

    final Pushline pushline;

    private SecureNode(Pushline pushline) {
        this.pushline = pushline;
    }

    static SecureNode start(AuthOptions auth, GuardOptions guard, IngestGuardOptions ingestGuard) {
        GatewayOptions gateway = GatewayOptions.of(HOST, 0).withAuth(auth).withGuard(guard);
        IngestOptions ingest = IngestOptions.of(HOST, 0).withGuard(ingestGuard);
        return new SecureNode(Pushline.start(new RedisOptions(null, "pushline", Duration.ofSeconds(30)), gateway, ingest));
    }

    static SecureNode withAuth(AuthOptions auth) {
        return start(auth, GuardOptions.defaults(), IngestGuardOptions.defaults());
    }

    static SecureNode withGuard(GuardOptions guard) {
        return start(AuthOptions.defaults(), guard, IngestGuardOptions.defaults());
    }

    static SecureNode withIngestGuard(IngestGuardOptions ingestGuard) {
        return start(AuthOptions.defaults(), GuardOptions.defaults(), ingestGuard);
    }

    /** {@code ws://127.0.0.1:port/} plus the query, if any. */
    URI ws(String query) {
        return URI.create("ws://" + HOST + ":" + pushline.gateway().port() + "/" + (query.isEmpty() ? "" : "?" + query));
    }

    int ingestPort() {
        return pushline.ingest().port();
    }

    /** One push through a fresh ingest connection (no AUTH line); the reply. */
    String push(String uid, String payload) {
        try (LineClient c = LineClient.connect(HOST, ingestPort())) {
            return c.push("{\"uid\":\"" + uid + "\",\"m\":\"" + payload + "\"}");
        }
    }

    @Override
    public void close() {
        pushline.close();
    }
}
