package io.pushline.all.browser;

import io.pushline.all.Pushline;
import io.pushline.common.config.RedisOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.ingest.IngestOptions;
import io.pushline.testkit.Chromium;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.pushline.all.browser.Backend.HOST;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Pages in a real browser against the embedded all-in-one (in-memory broker): the demo page the gateway serves at
 * {@code /}, and the seed's own page script, whose {@code alert} must show what the PHP backend wrote, byte for
 * byte.
 */
class BrowserPagesIT {

    /** From the seed (000), verbatim; only the port is substituted, because tests listen on free ports. */
    static final String SEED_SCRIPT = """
            var ws = new WebSocket('ws://127.0.0.1:1234');
            ws.onopen = function(){
                var uid = 'uid1';
                ws.send(uid);
            };
            ws.onmessage = function(e){
                alert(e.data);
            };
            """;

    private Chromium browser;
    private Pushline pushline;
    private PageServer pages;
    private Tab tab;

    @BeforeEach
    void start() {
        browser = Chromium.start();
        pushline = Pushline.start(new RedisOptions(null, "pushline", Duration.ofSeconds(30)),
                GatewayOptions.of(HOST, 0), IngestOptions.of(HOST, 0));
        pages = new PageServer();
        tab = Tab.open(browser);
    }

    @AfterEach
    void stop() {
        try (Chromium b = browser; Pushline p = pushline; PageServer s = pages; Tab t = tab) {
            // closed in reverse order: the tab, the page server, the servers, the browser
        }
    }

    @Test
    void theDemoPageConnectsAsTheUidAndShowsAPushFromTheIngest() {
        tab.navigate("http://" + HOST + ":" + pushline.gateway().port() + "/?uid=demo7");
        tab.waitUntil("document.getElementById('state').textContent === 'open'");
        String line = "{\"uid\":\"demo7\",\"percent\":\"88%\",\"note\":\"<b>not markup</b> \\u00e9 ✓\"}";

        Backend.pushWhenOnline(pushline.ingest().port(), line);

        tab.waitUntil("document.querySelectorAll('#messages .payload').length === 1");
        assertEquals(line, tab.eval("document.querySelector('#messages .payload').textContent").asText());
        assertEquals(0, tab.eval("document.querySelectorAll('#messages b').length").asInt(),
                "a pushed payload was inserted as markup");
        assertEquals("demo7", tab.eval("document.getElementById('uid').value").asText());
        assertEquals("printf '{\"uid\":\"demo7\",\"percent\":\"88%%\"}\\n' | nc -q1 " + HOST + " 5678",
                tab.eval("document.getElementById('cmd-nc').textContent").asText());
        assertEquals("redis-cli PUBLISH 'pushline:user:{demo7}' '{\"uid\":\"demo7\",\"percent\":\"88%\"}'",
                tab.eval("document.getElementById('cmd-redis').textContent").asText());
    }

    @Test
    void theSeedsPageAlertsThePushedLineByteForByte() {
        String script = SEED_SCRIPT.replace(":1234'", ":" + pushline.gateway().port() + "'");
        String page = "<!doctype html><meta charset=utf-8><script>" + script + "</script>";
        tab.navigate(pages.serve(page).toString());
        // What PHP's json_encode(array('uid'=>'uid1', 'percent'=>'88%')) writes, plus non-ASCII and escapes.
        String line = "{\"uid\":\"uid1\",\"percent\":\"88%\",\"msg\":\"h\u00e9llo \u2713 \uD83D\uDE00\",\"esc\":\"a\\/b\\u00e9\"}";

        Backend.pushWhenOnline(pushline.ingest().port(), line);

        assertEquals(line, tab.acceptDialog());
    }
}
