package io.pushline.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A minimal RESP2 client: one command per socket, reply rendered as a string.
 *
 * <p>Raw RESP instead of Lettuce so that the testkit's view of Redis does not depend on the client library under
 * test, and so that every call works the same after the server was killed or restarted (no connection to heal).
 */
final class Resp {

    /** An error reply ({@code -ERR ...}); kept apart from simple strings so the caller can decide how to fail. */
    record ErrorReply(String message) {
    }

    private Resp() {
    }

    /**
     * Sends one command and returns the parsed reply: {@link String} (simple or bulk), {@link Long}, {@link List},
     * {@link ErrorReply} or {@code null} (nil bulk or nil array).
     */
    static Object call(String host, int port, Duration connectTimeout, Duration readTimeout, String... args)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            socket.setSoTimeout((int) readTimeout.toMillis());
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            out.write(encode(args));
            out.flush();
            return read(new BufferedInputStream(socket.getInputStream()));
        }
    }

    /**
     * Opens a connection that has subscribed to {@code channel} (its confirmation read) and reads nothing more:
     * to Redis, a receiver that counts in {@code PUBLISH}'s answer, like a gateway that froze.
     */
    static Socket subscribe(String host, int port, Duration connectTimeout, Duration readTimeout, String channel)
            throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            socket.setSoTimeout((int) readTimeout.toMillis());
            socket.getOutputStream().write(encode("SUBSCRIBE", channel));
            Object confirmation = read(new BufferedInputStream(socket.getInputStream()));
            if (!(confirmation instanceof List<?> reply) || !"subscribe".equals(reply.get(0))) {
                throw new ProtocolException("SUBSCRIBE " + channel + " was answered " + render(confirmation));
            }
            return socket;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** Renders a parsed reply: arrays as {@code [a, b]}, nil as {@code null}, nested errors as {@code (error) ...}. */
    static String render(Object reply) {
        if (reply == null) {
            return null;
        }
        if (reply instanceof List<?> list) {
            return list.stream().map(element -> String.valueOf(render(element)))
                    .collect(Collectors.joining(", ", "[", "]"));
        }
        if (reply instanceof ErrorReply error) {
            return "(error) " + error.message();
        }
        return reply.toString();
    }

    static byte[] encode(String... args) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        writeAscii(buffer, "*" + args.length + "\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            writeAscii(buffer, "$" + bytes.length + "\r\n");
            buffer.writeBytes(bytes);
            writeAscii(buffer, "\r\n");
        }
        return buffer.toByteArray();
    }

    static Object read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("redis closed the connection before replying");
        }
        String line = readLine(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                return new ErrorReply(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length);
                if (bytes.length != length || readLine(in).length() != 0) {
                    throw new ProtocolException("truncated bulk string from redis");
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(line);
                if (count < 0) {
                    return null;
                }
                List<Object> elements = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    elements.add(read(in));
                }
                return elements;
            }
            default:
                throw new ProtocolException("unexpected RESP type byte '" + (char) type + "' from redis");
        }
    }

    /** Reads up to CRLF; decoded as UTF-8 because error and status lines may quote the caller's arguments. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("redis closed the connection in the middle of a reply");
            }
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new ProtocolException("CR without LF in a reply from redis");
                }
                return line.toString(StandardCharsets.UTF_8);
            }
            line.write(b);
        }
    }

    private static void writeAscii(ByteArrayOutputStream buffer, String s) {
        buffer.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }
}
