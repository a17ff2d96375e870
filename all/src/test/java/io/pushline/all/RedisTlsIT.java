package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestServer;
import io.pushline.testkit.FreePort;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.RedisServer;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A push end to end with both services reaching Redis only over TLS ({@code rediss://}), against a real
 * redis-server serving a TLS port with a certificate the openssl CLI makes for the test.
 */
class RedisTlsIT {

    private static final String HOST = "127.0.0.1";
    private static final Path OPENSSL = Path.of("/usr/bin/openssl");

    @Test
    void aGatewayAndAnIngestBrokerThroughRedisOverTls(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(OPENSSL), "openssl CLI not installed");
        Path cert = dir.resolve("redis.crt");
        Path key = dir.resolve("redis.key");
        Process openssl = new ProcessBuilder(OPENSSL.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1").redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, openssl.waitFor(), output);
        int tlsPort = FreePort.find();

        try (RedisServer redis = RedisServer.start(List.of("--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", cert.toString(), "--tls-key-file", key.toString(),
                "--tls-ca-cert-file", cert.toString(), "--tls-auth-clients", "no"))) {
            // The test's certificate is self-signed: peer verification is off here. In production the CA goes in
            // the JVM's trust store and the URL keeps verification on (docs/security.md).
            RedisOptions tls = new RedisOptions("rediss://" + HOST + ":" + tlsPort + "?verifyPeer=NONE", "tls", Duration.ofSeconds(30));
            GatewayServer gateway = Nodes.gateway(tls, "gw-tls");
            IngestServer ingest = Nodes.ingest(tls);
            try (WsClient page = Pages.open(URI.create("ws://" + HOST + ":" + gateway.port() + "/"), "secure", HOST, ingest.port());
                 LineClient php = LineClient.connect(HOST, ingest.port())) {
                assertEquals("ok", php.push("{\"uid\":\"secure\",\"m\":\"over tls\"}"));
                assertEquals("{\"uid\":\"secure\",\"m\":\"over tls\"}", Pages.next(page));
                String clients = redis.command("CLIENT", "LIST");
                assertTrue(clients.contains("laddr=127.0.0.1:" + tlsPort), "the services' connections use the TLS port: " + clients);
            } finally {
                ingest.close();
                gateway.close();
            }
        }
    }
}
