package io.pushline.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;

/**
 * The files the gateway serves over plain HTTP: the demo page and the browser client. They are read from the
 * classpath once, at startup, and kept in memory (they are small, and a bound checks it), so serving them never
 * touches the disk from an event loop. Immutable and thread-safe.
 *
 * <p>{@code /pushline.mjs} is not a second copy of the client: it is {@code pushline.js} plus one
 * {@code export default} line, computed here, so the script and the ES module can never drift apart.
 */
public final class StaticResources {

    /** Largest file accepted; a bigger one is a packaging mistake, not something to hold per gateway. */
    static final int MAX_RESOURCE_BYTES = 256 * 1024;
    /** Where the files sit, relative to this class. */
    static final String FOLDER = "static/";
    static final String HTML = "text/html; charset=utf-8";
    static final String JAVASCRIPT = "text/javascript; charset=utf-8";
    /** Turns the classic script, which sets {@code globalThis.Pushline}, into an ES module. */
    static final String MODULE_EXPORT = "export default globalThis.Pushline;\n";
    /** Hex digits of the SHA-256 kept in the ETag: 64 bits tell versions of one file apart. */
    private static final int ETAG_HEX_DIGITS = 16;

    /** One file, ready to serve. */
    public static final class Resource {
        private final String contentType;
        private final byte[] bytes;
        private final String etag;

        Resource(String contentType, byte[] bytes) {
            this.contentType = contentType;
            this.bytes = bytes;
            this.etag = etagOf(bytes);
        }

        public String contentType() {
            return contentType;
        }

        /** A copy of the content, for tests; serving uses {@link #wrap}. */
        public byte[] bytes() {
            return bytes.clone();
        }

        int length() {
            return bytes.length;
        }

        /** Read-only view for one response: no copy, and no caller can change what later responses send. */
        ByteBuf wrap() {
            return Unpooled.wrappedBuffer(bytes).asReadOnly();
        }

        /** A strong ETag (quoted), from the content, so it changes exactly when the file does. */
        public String etag() {
            return etag;
        }
    }

    private final Map<String, Resource> byPath;

    private StaticResources(Map<String, Resource> byPath) {
        this.byPath = byPath;
    }

    /**
     * Reads the bundled files.
     *
     * @throws IllegalStateException when a file is missing from the classpath or over {@link #MAX_RESOURCE_BYTES}
     */
    public static StaticResources load() {
        byte[] page = read("index.html");
        byte[] script = read("pushline.js");
        return new StaticResources(Map.of(
                "/", new Resource(HTML, page),
                "/pushline.js", new Resource(JAVASCRIPT, script),
                "/pushline.mjs", new Resource(JAVASCRIPT, asModule(script))));
    }

    /** The file served at {@code path} (the URI path, without query), or null when there is none. */
    public Resource find(String path) {
        return byPath.get(path);
    }

    static byte[] asModule(byte[] script) {
        byte[] export = MODULE_EXPORT.getBytes(StandardCharsets.UTF_8);
        boolean endsWithNewline = script.length > 0 && script[script.length - 1] == '\n';
        int gap = endsWithNewline ? 0 : 1;
        byte[] module = Arrays.copyOf(script, script.length + gap + export.length);
        if (!endsWithNewline) {
            module[script.length] = '\n';
        }
        System.arraycopy(export, 0, module, script.length + gap, export.length);
        return module;
    }

    private static byte[] read(String name) {
        String resource = FOLDER + name;
        try (InputStream in = StaticResources.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("gateway static files: " + resource + " is missing from the classpath "
                        + "next to " + StaticResources.class.getName() + "; the jar is incomplete");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[8_192];
            int n;
            while ((n = in.read(chunk)) != -1) {
                out.write(chunk, 0, n);
                if (out.size() > MAX_RESOURCE_BYTES) {
                    throw new IllegalStateException("gateway static files: " + resource + " is over the limit of "
                            + MAX_RESOURCE_BYTES + " bytes (read " + out.size() + " so far)");
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("gateway static files: cannot read " + resource, e);
        }
    }

    private static String etagOf(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return '"' + HexFormat.of().formatHex(digest).substring(0, ETAG_HEX_DIGITS) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
