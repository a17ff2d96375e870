package io.pushline.all;

import io.pushline.gateway.guard.GuardOptions;
import io.pushline.gateway.guard.SecurityStats;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may open a WebSocket at all: Origin, limits per node and per client IP, and where the client IP comes from. */
class SecurityGuardIT {

    private static final int SOCKET_TIMEOUT_MILLIS = 5_000;

    private SecureNode node;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (node != null) {
            node.close();
        }
    }

    private WsClient connect(Map<String, String> headers) {
        WsClient page = WsClient.connect(node.ws(""), headers);
        open.add(page);
        return page;
    }

    private int refused(Map<String, String> headers) {
        return assertThrows(WsClient.HandshakeRefused.class, () -> connect(headers)).statusCode();
    }

    private SecurityStats stats() {
        return node.pushline.gateway().security().stats();
    }

    @Test
    void aForeignOriginGets403AndListedOrMissingOriginsConnect() {
        node = SecureNode.withGuard(GuardOptions.defaults().withAllowedOrigins("https://app.example.com, http://localhost:8080"));
        assertEquals(403, refused(Map.of("Origin", "https://evil.example.net")));
        assertEquals(403, refused(Map.of("Origin", "https://app.example.com.evil.net")));
        connect(Map.of("Origin", "https://app.example.com")).send("u1");
        connect(Map.of("Origin", "HTTP://LOCALHOST:8080")).send("u2");
        connect(Map.of()).send("u3"); // no Origin: not a browser
        assertEquals(2, stats().originRefusedCount());
    }

    @Test
    void overThePerIpLimitGets429AndAClosedConnectionFreesItsSlot() {
        node = SecureNode.withGuard(GuardOptions.defaults().withMaxConnectionsPerIp(2));
        WsClient first = connect(Map.of());
        connect(Map.of());
        assertEquals(429, refused(Map.of()));
        first.close();
        // The slot is released when the server sees the close; retry until then (bounded by the wait).
        long deadline = System.nanoTime() + Pages.WAIT.toNanos();
        while (true) {
            try {
                connect(Map.of());
                break;
            } catch (WsClient.HandshakeRefused e) {
                assertTrue(System.nanoTime() < deadline, "slot never freed");
            }
        }
        assertTrue(stats().perIpConnectionsCount() >= 1);
    }

    @Test
    void aFullNodeGets503() {
        node = SecureNode.withGuard(GuardOptions.defaults().withMaxConnections(2));
        connect(Map.of());
        connect(Map.of());
        assertEquals(503, refused(Map.of()));
        assertEquals(1, stats().nodeFullCount());
    }

    @Test
    void tooManyNewConnectionsPerSecondFromOneIpGet429() {
        node = SecureNode.withGuard(GuardOptions.defaults().withMaxNewConnectionsPerSecondPerIp(3));
        int refusals = 0;
        // 3 are allowed per one-second window; 8 attempts in a row cover at most two windows, so at least 2 fail.
        for (int i = 0; i < 8; i++) {
            try {
                connect(Map.of());
            } catch (WsClient.HandshakeRefused e) {
                assertEquals(429, e.statusCode());
                refusals++;
            }
        }
        assertTrue(refusals >= 2, "refusals: " + refusals);
        assertEquals(refusals, stats().perIpRateCount());
    }

    @Test
    void xForwardedForCountsOnlyFromTrustedProxies() {
        node = SecureNode.withGuard(GuardOptions.defaults().withMaxConnectionsPerIp(1).withTrustedProxies("127.0.0.0/8,10.0.0.0/8"));
        // The left part is the client's own claim; the right-most untrusted hop is the client.
        connect(Map.of("X-Forwarded-For", "1.2.3.4, 198.51.100.7, 10.1.1.1"));
        assertEquals(429, refused(Map.of("X-Forwarded-For", "5.6.7.8, 198.51.100.7")));
        connect(Map.of("X-Forwarded-For", "198.51.100.8"));
        node.close();

        node = SecureNode.withGuard(GuardOptions.defaults().withMaxConnectionsPerIp(1));
        connect(Map.of("X-Forwarded-For", "198.51.100.7"));
        // The peer is not a trusted proxy: its header is ignored and it is one client, 127.0.0.1.
        assertEquals(429, refused(Map.of("X-Forwarded-For", "198.51.100.9")));
    }

    @Test
    void theProxyProtocolHeaderGivesTheClientAddress() throws IOException {
        node = SecureNode.withGuard(GuardOptions.defaults().withMaxConnectionsPerIp(1).withProxyProtocol(true));
        Socket a = proxiedUpgrade("203.0.113.7");
        assertEquals(101, status(a));
        Socket b = proxiedUpgrade("203.0.113.7");
        assertEquals(429, status(b));
        Socket c = proxiedUpgrade("203.0.113.8");
        assertEquals(101, status(c));
    }

    /** A raw WebSocket upgrade behind a PROXY v1 header, as HAProxy would send it. */
    private Socket proxiedUpgrade(String clientIp) throws IOException {
        Socket s = new Socket(SecureNode.HOST, node.pushline.gateway().port());
        open.add(s);
        s.setSoTimeout(SOCKET_TIMEOUT_MILLIS);
        String request = "PROXY TCP4 " + clientIp + " 127.0.0.1 40000 " + node.pushline.gateway().port() + "\r\n"
                + "GET /?uid=p HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    private static int status(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            line.append((char) b);
        }
        return Integer.parseInt(line.toString().split(" ")[1]);
    }
}
