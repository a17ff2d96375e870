package io.pushline.all.browser;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves a test's own HTML pages from {@code http://127.0.0.1:<free port>/}, like an application's web server
 * next to the gateway. A real origin is needed: Chromium refuses to let an opaque {@code data:} page reach
 * loopback addresses (local network access).
 */
final class PageServer implements AutoCloseable {

    private final HttpServer server;
    private final AtomicInteger pages = new AtomicInteger();

    PageServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("test page server: cannot listen on 127.0.0.1", e);
        }
        server.start();
    }

    /** Serves {@code html} at a new path and returns its URL. */
    URI serve(String html) {
        String path = "/page-" + pages.incrementAndGet() + ".html";
        byte[] body = html.getBytes(StandardCharsets.UTF_8);
        server.createContext(path, exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        return URI.create("http://" + Backend.HOST + ":" + server.getAddress().getPort() + path);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
