package io.pushline.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** LineClient against a real TCP echo server running in this JVM. */
class LineClientTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private EchoServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = new EchoServer();
    }

    @AfterEach
    void stopServer() throws IOException {
        server.close();
    }

    @Test
    void pushReturnsTheReplyLine() {
        try (LineClient client = LineClient.connect("127.0.0.1", server.port())) {
            assertEquals("{\"uid\":\"uid1\",\"percent\":\"88%\"}", client.push("{\"uid\":\"uid1\",\"percent\":\"88%\"}"));
            assertEquals("é ✓", client.push("é ✓"));
        }
    }

    @Test
    void aLineSplitOverSeveralWritesArrivesWhole() {
        try (LineClient client = LineClient.connect("127.0.0.1", server.port())) {
            client.write("hel");
            client.write("lo".getBytes(StandardCharsets.UTF_8));
            client.write("\n");
            assertEquals("hello", client.readLine(WAIT));
        }
    }

    @Test
    void pipelinedLinesAreReadOneByOne() {
        try (LineClient client = LineClient.connect("127.0.0.1", server.port())) {
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 1_000; i++) {
                lines.append("line ").append(i).append('\n');
            }
            client.write(lines.toString());
            for (int i = 0; i < 1_000; i++) {
                assertEquals("line " + i, client.readLine(WAIT));
            }
        }
    }

    @Test
    void readLineTimesOutWhenNothingComes() {
        try (LineClient client = LineClient.connect("127.0.0.1", server.port())) {
            AssertionError e = assertThrows(AssertionError.class, () -> client.readLine(Duration.ofMillis(100)));
            assertTrue(e.getMessage().contains("no line"), e.getMessage());
            // The connection is still usable after a timeout.
            assertEquals("still here", client.push("still here"));
        }
    }

    @Test
    void serverCloseIsSeenAsEof() {
        try (LineClient client = LineClient.connect("127.0.0.1", server.port())) {
            assertFalse(client.awaitEof(Duration.ofMillis(100)), "open connection");
            client.write("close\n");
            assertTrue(client.awaitEof(WAIT));
        }
        try (LineClient client = LineClient.connect("127.0.0.1", server.port())) {
            client.write("close\n");
            AssertionError e = assertThrows(AssertionError.class, () -> client.readLine(WAIT));
            assertTrue(e.getMessage().contains("EOF"), e.getMessage());
        }
    }

    @Test
    void connectFailureNamesTheAddress() {
        int closedPort = FreePort.find();
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> LineClient.connect("127.0.0.1", closedPort));
        assertTrue(e.getMessage().contains(":" + closedPort), e.getMessage());
    }

    /** Echoes every line back; closes the connection when it reads "close". One thread per connection. */
    private static final class EchoServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket();

        EchoServer() throws IOException {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread acceptor = new Thread(this::acceptLoop, "echo-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void acceptLoop() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    Thread handler = new Thread(() -> echo(connection), "echo-connection");
                    handler.setDaemon(true);
                    handler.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }

        private static void echo(Socket connection) {
            try (connection;
                 BufferedReader in = new BufferedReader(
                         new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
                OutputStream out = connection.getOutputStream();
                String line;
                while ((line = in.readLine()) != null && !line.equals("close")) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // the client went away: nothing to echo to
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
