package io.pushline.all;

import io.pushline.gateway.guard.GuardOptions;
import io.pushline.gateway.auth.AuthOptions;
import io.pushline.ingest.guard.IngestGuardOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** wss:// on the gateway and TLS on the ingest, from PEM files made by the openssl CLI. */
class SecurityTlsIT {

    private static final Path OPENSSL = Path.of("/usr/bin/openssl");
    private static final Duration WAIT = Pages.WAIT;

    private SecureNode node;
    private SSLContext trusting;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(OPENSSL), "openssl CLI not installed");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process openssl = new ProcessBuilder(OPENSSL.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost")
                .redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, openssl.waitFor(), output);
        trusting = trusting(cert);
        node = SecureNode.start(AuthOptions.defaults(),
                GuardOptions.defaults().withTls(cert.toString(), key.toString()),
                IngestGuardOptions.defaults().withTls(cert.toString(), key.toString()));
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aWssPageReceivesAPushSentOverTlsToTheIngest() throws Exception {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        HttpClient client = HttpClient.newBuilder().sslContext(trusting).build();
        WebSocket ws = client.newWebSocketBuilder()
                .buildAsync(URI.create("wss://127.0.0.1:" + node.pushline.gateway().port() + "/?uid=secure"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        received.add(data.toString());
                        w.request(1);
                        return null;
                    }
                }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        try (SSLSocket ingest = (SSLSocket) trusting.getSocketFactory().createSocket("127.0.0.1", node.ingestPort())) {
            ingest.setSoTimeout((int) WAIT.toMillis());
            BufferedReader replies = new BufferedReader(new InputStreamReader(ingest.getInputStream(), StandardCharsets.UTF_8));
            String line = "{\"uid\":\"secure\",\"m\":\"over tls\"}";
            // The page's subscription is asynchronous: push until it is online (bounded by the wait).
            long deadline = System.nanoTime() + WAIT.toNanos();
            String reply;
            do {
                ingest.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
                reply = replies.readLine();
            } while (!"ok".equals(reply) && System.nanoTime() < deadline);
            assertEquals("ok", reply);
            assertEquals(line, received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        } finally {
            ws.abort();
        }
    }

    private static SSLContext trusting(Path cert) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(cert)) {
            store.setCertificateEntry("pushline", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

}
