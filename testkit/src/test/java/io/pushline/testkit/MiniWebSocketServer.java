package io.pushline.testkit;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Just enough of RFC 6455 to test WsClient against real sockets, without depending on the gateway module.
 *
 * <p>Path {@code /refuse} is answered with HTTP 403. Path {@code /drop} is upgraded, then the TCP connection is
 * closed without a close frame. Otherwise, after the upgrade, the server sends {@code "hello <path> <X-Test header>"}
 * in two fragments, then answers each text message: {@code bye} gets a close frame with code 4001, anything else is
 * echoed as {@code echo:<text>}. A close frame from the client is answered with the same code.
 *
 * <p>The drop comes before any message, not after one: JDK 17's client loses an end of stream that arrives while
 * its listener still handles the message before it (the transport reads the EOF with no demand left, and
 * {@code TransportImpl.acknowledgeReception} throws an {@code InternalError} on the selector thread), so a drop
 * right after a message leaves {@link WsClient} open about once in a thousand runs.
 */
final class MiniWebSocketServer implements AutoCloseable {

    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final ServerSocket socket = new ServerSocket();

    MiniWebSocketServer() throws IOException {
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread acceptor = new Thread(this::acceptLoop, "mini-ws-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                Thread handler = new Thread(() -> serve(connection), "mini-ws-connection");
                handler.setDaemon(true);
                handler.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void serve(Socket connection) {
        try (connection) {
            DataInputStream in = new DataInputStream(connection.getInputStream());
            OutputStream out = connection.getOutputStream();
            String requestLine = readHttpLine(in);
            String path = requestLine.split(" ")[1];
            Map<String, String> headers = new HashMap<>();
            for (String line = readHttpLine(in); !line.isEmpty(); line = readHttpLine(in)) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            if (path.startsWith("/refuse")) {
                out.write(ascii("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
                return;
            }
            out.write(ascii("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept(headers.get("sec-websocket-key")) + "\r\n\r\n"));
            if (path.startsWith("/drop")) {
                return;
            }
            byte[] hello = ("hello " + path + " " + headers.getOrDefault("x-test", "-"))
                    .getBytes(StandardCharsets.UTF_8);
            int half = hello.length / 2;
            writeFrame(out, false, 0x1, java.util.Arrays.copyOfRange(hello, 0, half));
            writeFrame(out, true, 0x0, java.util.Arrays.copyOfRange(hello, half, hello.length));
            while (true) {
                int opcode = in.readUnsignedByte() & 0x0f;
                byte[] payload = readMaskedPayload(in);
                if (opcode == 0x8) {
                    writeFrame(out, true, 0x8, payload);
                    return;
                }
                if (opcode != 0x1) {
                    continue;
                }
                String text = new String(payload, StandardCharsets.UTF_8);
                if (text.equals("bye")) {
                    writeFrame(out, true, 0x8, new byte[] {(byte) (4001 >> 8), (byte) (4001 & 0xff)});
                    // Wait for the client's answering close frame, then hang up.
                    in.readUnsignedByte();
                    readMaskedPayload(in);
                    return;
                }
                writeFrame(out, true, 0x1, ("echo:" + text).getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException ignored) {
            // the client went away
        }
    }

    private static byte[] readMaskedPayload(DataInputStream in) throws IOException {
        int second = in.readUnsignedByte();
        long length = second & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        byte[] mask = new byte[4];
        if ((second & 0x80) != 0) {
            in.readFully(mask);
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        for (int i = 0; i < payload.length; i++) {
            payload[i] ^= mask[i % 4];
        }
        return payload;
    }

    private static void writeFrame(OutputStream out, boolean fin, int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            frame.write(payload.length);
        } else {
            frame.write(126);
            frame.write(payload.length >> 8);
            frame.write(payload.length & 0xff);
        }
        frame.writeBytes(payload);
        out.write(frame.toByteArray());
        out.flush();
    }

    private static String readHttpLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("EOF in HTTP request");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(ascii(key + GUID));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
