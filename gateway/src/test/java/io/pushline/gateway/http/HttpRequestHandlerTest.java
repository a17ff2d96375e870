package io.pushline.gateway.http;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpRequestHandlerTest {

    private static final StaticResources RESOURCES = StaticResources.load();

    private final EmbeddedChannel channel = new EmbeddedChannel(new HttpRequestHandler(RESOURCES));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private FullHttpResponse exchange(FullHttpRequest request) {
        channel.writeInbound(request);
        FullHttpResponse response = channel.readOutbound();
        assertTrue(response != null, "no response to " + request.method() + " " + request.uri());
        return response;
    }

    private static FullHttpRequest request(HttpMethod method, String uri) {
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri);
    }

    private static byte[] body(FullHttpResponse response) {
        try {
            return ByteBufUtil.getBytes(response.content());
        } finally {
            response.release();
        }
    }

    @Test
    void servesTheDemoPageAtTheRootWithAnyQuery() {
        FullHttpResponse response = exchange(request(HttpMethod.GET, "/?uid=uid7"));

        assertEquals(HttpResponseStatus.OK, response.status());
        assertEquals("text/html; charset=utf-8", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("no-cache", response.headers().get(HttpHeaderNames.CACHE_CONTROL));
        assertEquals(RESOURCES.find("/").etag(), response.headers().get(HttpHeaderNames.ETAG));
        assertEquals("nosniff", response.headers().get("X-Content-Type-Options"));
        String html = new String(body(response), StandardCharsets.UTF_8);
        assertTrue(html.contains("<script src=\"/pushline.js\"></script>"), html);
    }

    @Test
    void servesTheModuleAsTheScriptPlusOneExportLine() {
        byte[] script = body(exchange(request(HttpMethod.GET, "/pushline.js")));
        FullHttpResponse module = exchange(request(HttpMethod.GET, "/pushline.mjs"));

        assertEquals("text/javascript; charset=utf-8", module.headers().get(HttpHeaderNames.CONTENT_TYPE));
        assertEquals("*", module.headers().get(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN), "import needs CORS");
        String expected = new String(script, StandardCharsets.UTF_8) + "export default globalThis.Pushline;\n";
        assertEquals(expected, new String(body(module), StandardCharsets.UTF_8));
    }

    @Test
    void headHasTheHeadersOfGetAndNoBody() {
        FullHttpResponse response = exchange(request(HttpMethod.HEAD, "/pushline.js"));

        assertEquals(HttpResponseStatus.OK, response.status());
        assertEquals(String.valueOf(RESOURCES.find("/pushline.js").bytes().length),
                response.headers().get(HttpHeaderNames.CONTENT_LENGTH));
        assertArrayEquals(new byte[0], body(response));
    }

    @Test
    void answersNotModifiedWhenTheBrowserHasTheCurrentVersion() {
        String etag = RESOURCES.find("/pushline.js").etag();
        FullHttpRequest revalidate = request(HttpMethod.GET, "/pushline.js");
        revalidate.headers().set(HttpHeaderNames.IF_NONE_MATCH, "\"old\", W/" + etag);

        FullHttpResponse response = exchange(revalidate);

        assertEquals(HttpResponseStatus.NOT_MODIFIED, response.status());
        assertEquals(etag, response.headers().get(HttpHeaderNames.ETAG));
        assertArrayEquals(new byte[0], body(response));
    }

    @Test
    void servesTheFullFileWhenTheBrowsersVersionIsStale() {
        FullHttpRequest revalidate = request(HttpMethod.GET, "/pushline.js");
        revalidate.headers().set(HttpHeaderNames.IF_NONE_MATCH, "\"0000000000000000\"");

        FullHttpResponse response = exchange(revalidate);

        assertEquals(HttpResponseStatus.OK, response.status());
        assertArrayEquals(RESOURCES.find("/pushline.js").bytes(), body(response));
    }

    @Test
    void unknownPathsAreNotFound() {
        FullHttpResponse response = exchange(request(HttpMethod.GET, "/../etc/passwd"));

        assertTextAnswer(HttpResponseStatus.NOT_FOUND, response);
    }

    @Test
    void otherMethodsAreNotAllowed() {
        FullHttpResponse response = exchange(request(HttpMethod.POST, "/"));

        assertEquals("GET, HEAD", response.headers().get(HttpHeaderNames.ALLOW));
        assertTextAnswer(HttpResponseStatus.METHOD_NOT_ALLOWED, response);
    }

    private static void assertTextAnswer(HttpResponseStatus status, FullHttpResponse response) {
        assertEquals(status, response.status());
        assertEquals("text/plain; charset=utf-8", response.headers().get(HttpHeaderNames.CONTENT_TYPE));
        assertTrue(new String(body(response), StandardCharsets.UTF_8).startsWith("Pushline gateway: "));
    }

    @Test
    void aConnectionCloseRequestIsAnsweredThenClosed() {
        FullHttpRequest request = request(HttpMethod.GET, "/");
        request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);

        body(exchange(request));

        assertTrue(!channel.isOpen(), "channel still open after Connection: close");
    }

    @Test
    void webSocketUpgradesOnAnyPathPassThroughUntouched() {
        FullHttpRequest upgrade = request(HttpMethod.GET, "/some/path?uid=uid1");
        upgrade.headers().set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);

        channel.writeInbound(upgrade);

        assertNull(channel.readOutbound(), "the handler answered an upgrade request itself");
        FullHttpRequest passed = channel.readInbound();
        assertSame(upgrade, passed);
        passed.release();
    }
}
