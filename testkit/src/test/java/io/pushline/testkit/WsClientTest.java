package io.pushline.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** WsClient against a minimal real WebSocket server on a loopback socket. */
class WsClientTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private MiniWebSocketServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = new MiniWebSocketServer();
    }

    @AfterEach
    void stopServer() throws IOException {
        server.close();
    }

    @Test
    void receivesFragmentedMessagesWholeAndSends() {
        try (WsClient client = WsClient.connect(uri("/?uid=uid1"), Map.of("X-Test", "abc"))) {
            assertTrue(client.isOpen());
            assertEquals("hello /?uid=uid1 abc", client.awaitMessage(WAIT));
            client.send("uid1");
            assertEquals("echo:uid1", client.awaitMessage(WAIT));
            assertNull(client.pollMessage(Duration.ofMillis(100)), "nothing else was sent");
        }
    }

    @Test
    void closeDoesTheClosingHandshake() {
        WsClient client = WsClient.connect(uri("/"));
        client.awaitMessage(WAIT);
        client.close();
        assertFalse(client.isOpen());
        assertEquals(1000, client.awaitClose(WAIT), "the server echoed our close code");
    }

    @Test
    void reportsTheServersCloseCode() {
        try (WsClient client = WsClient.connect(uri("/"))) {
            client.awaitMessage(WAIT);
            client.send("bye");
            assertEquals(4001, client.awaitClose(WAIT));
            assertFalse(client.isOpen());
            long before = System.nanoTime();
            AssertionError e = assertThrows(AssertionError.class, () -> client.awaitMessage(Duration.ofSeconds(30)));
            assertTrue(e.getMessage().contains("ended"), e.getMessage());
            assertTrue(System.nanoTime() - before < Duration.ofSeconds(5).toNanos(), "fails at once once closed");
            assertNull(client.pollMessage(Duration.ofSeconds(30)));
        }
    }

    @Test
    void aDroppedConnectionReportsMinusOne() {
        try (WsClient client = WsClient.connect(uri("/drop"))) {
            assertEquals(-1, client.awaitClose(WAIT));
            assertFalse(client.isOpen());
        }
    }

    @Test
    void aRefusedHandshakeCarriesTheHttpStatus() {
        WsClient.HandshakeRefused e = assertThrows(WsClient.HandshakeRefused.class,
                () -> WsClient.connect(uri("/refuse")));
        assertEquals(403, e.statusCode());
    }

    @Test
    void noServerIsAConnectFailure() {
        URI nobody = URI.create("ws://127.0.0.1:" + FreePort.find() + "/");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> WsClient.connect(nobody));
        assertTrue(e.getMessage().contains(nobody.toString()), e.getMessage());
    }

    @Test
    void awaitMessageTimesOut() {
        try (WsClient client = WsClient.connect(uri("/"))) {
            client.awaitMessage(WAIT);
            AssertionError e = assertThrows(AssertionError.class, () -> client.awaitMessage(Duration.ofMillis(100)));
            assertTrue(e.getMessage().contains("no message within"), e.getMessage());
        }
    }

    private URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + server.port() + path);
    }
}
