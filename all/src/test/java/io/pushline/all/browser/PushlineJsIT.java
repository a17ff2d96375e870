package io.pushline.all.browser;

import com.fasterxml.jackson.databind.JsonNode;
import io.pushline.all.Nodes;
import io.pushline.common.config.RedisOptions;
import io.pushline.common.redis.RedisNames;
import io.pushline.gateway.GatewayServer;
import io.pushline.ingest.IngestServer;
import io.pushline.testkit.Chromium;
import io.pushline.testkit.RedisServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.pushline.all.browser.Backend.HOST;
import static io.pushline.all.browser.ClientPages.quote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pushline.js in a real browser against Redis-backed nodes, as in production: it reconnects by itself after a
 * gateway restart, stops for good after a refusal, and works as an ES module.
 */
class PushlineJsIT {

    private static final String NODE = "gw-browser";

    private RedisServer redis;
    private RedisOptions options;
    private GatewayServer gateway;
    private IngestServer ingest;
    private Chromium browser;
    private PageServer pages;
    private Tab tab;

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        options = new RedisOptions(redis.uri(), "br-" + UUID.randomUUID().toString().substring(0, 8), Duration.ofSeconds(30));
        gateway = gateway(0);
        ingest = Nodes.ingest(options);
        browser = Chromium.start();
        pages = new PageServer();
        tab = Tab.open(browser);
    }

    @AfterEach
    void stop() {
        try (RedisServer r = redis; Chromium b = browser; GatewayServer g = gateway; IngestServer i = ingest;
             PageServer s = pages; Tab t = tab) {
            // closed in reverse order: the tab, the page server, the ingest, the gateway, the browser, Redis
        }
    }

    private GatewayServer gateway(int port) {
        return Nodes.gateway(options, NODE, port);
    }

    private static String uid() {
        return "b" + UUID.randomUUID().toString().substring(0, 12);
    }

    private JsonNode args(String event) {
        return tab.eval("args(" + quote(event) + ")");
    }

    private List<String> states() {
        List<String> states = new ArrayList<>();
        args("state").forEach(s -> states.add(s.asText()));
        return states;
    }

    @Test
    void theClientReconnectsByItselfAfterAGatewayRestartAndGetsLaterPushes() {
        String uid = uid();
        int port = gateway.port();
        tab.navigate(pages.serve(ClientPages.script(port, uid, false)).toString());
        tab.waitUntil("client.state === 'open'");
        String before = "{\"uid\":\"" + uid + "\",\"n\":1}";
        Backend.pushWhenOnline(ingest.port(), before);
        tab.waitUntil("args('message').indexOf(" + quote(before) + ") >= 0");

        gateway.close();
        gateway = null; // closed: stop() must not close it twice if the test fails before the restart
        tab.waitUntil("args('disconnect').length >= 1");
        JsonNode shutdown = args("disconnect").get(0);
        assertEquals(1001, shutdown.path("code").asInt(), shutdown.toString());
        assertTrue(shutdown.path("willReconnect").asBoolean(), shutdown.toString());

        gateway = gateway(port);
        tab.waitUntil("args('connect').length === 2 && client.state === 'open'");
        String after = "{\"uid\":\"" + uid + "\",\"n\":2}";
        Backend.pushWhenOnline(ingest.port(), after);
        tab.waitUntil("args('message').indexOf(" + quote(after) + ") >= 0");

        List<String> states = states();
        assertEquals(List.of("connecting", "open", "closed", "connecting"), states.subList(0, 4), states.toString());
        assertEquals("open", states.get(states.size() - 1), states.toString());
        args("disconnect").forEach(d -> assertTrue(d.path("willReconnect").asBoolean(), d.toString()));
        assertEquals(List.of(before, after), List.of(args("message").get(0).asText(), args("message").get(1).asText()));
    }

    @Test
    void theClientStopsForGoodAfterTheGatewayRefusesItsUid() {
        tab.navigate(pages.serve(ClientPages.module(gateway.port(), "bad uid", false)).toString());

        tab.waitUntil("args('disconnect').length === 1");
        JsonNode refusal = args("disconnect").get(0);
        assertEquals(4400, refusal.path("code").asInt(), refusal.toString());
        assertFalse(refusal.path("willReconnect").asBoolean(true), refusal.toString());
        // Several times the longest back-off: a reconnect would have started by then.
        Awaitility.await("no reconnect after 4400")
                .during(Duration.ofMillis(ClientPages.MAX_DELAY_MS * 4L)).atMost(Tab.WAIT)
                .pollInterval(Tab.POLL).pollInSameThread()
                .until(() -> states().equals(List.of("connecting", "open", "closed")));
        assertEquals("closed", tab.eval("client.state").asText());
    }

    @Test
    void theModuleParsesJsonPushesAndReportsAPayloadThatIsNotJson() {
        String uid = uid();
        tab.navigate(pages.serve(ClientPages.module(gateway.port(), uid, true)).toString());
        tab.waitUntil("client.state === 'open'");

        Backend.pushWhenOnline(ingest.port(), "{\"uid\":\"" + uid + "\",\"percent\":\"88%\"}");
        tab.waitUntil("args('message').length === 1");
        assertEquals("88%", args("message").get(0).path("percent").asText());

        // An operator's hand PUBLISH skips the ingest's validation, so a page can receive a line that is not JSON.
        redis.command("PUBLISH", new RedisNames(options.names().prefix()).userChannel(uid), "not json {");
        tab.waitUntil("args('error').length === 1");
        assertEquals("not json {", args("error").get(0).path("data").asText());
        assertEquals(1, args("message").size(), "the bad payload must not arrive as a message");
    }
}
