package io.pushline.all;

import io.pushline.common.config.RedisOptions;
import io.pushline.common.netty.EventLoopOptions;
import io.pushline.gateway.GatewayOptions;
import io.pushline.ingest.IngestOptions;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static io.pushline.all.Pages.WAIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed's wire contract, end to end over real sockets: a real WebSocket client as the page, a raw TCP
 * client as the PHP backend. Runs once with the in-memory broker and once through a real Redis.
 */
abstract class PushlineContract {

    static final String HOST = "127.0.0.1";
    static final Duration QUIET = Duration.ofMillis(300);

    Pushline pushline;
    URI ws;
    int ingestPort;
    private final List<AutoCloseable> clients = new ArrayList<>();

    /** The broker settings of this run: in-memory or a real Redis with a fresh prefix. */
    abstract RedisOptions redisOptions();

    IngestOptions ingestOptions() {
        return IngestOptions.of(HOST, 0);
    }

    /** The process's event loops: one per core on the default transport, unless a run says otherwise. */
    EventLoopOptions loopOptions() {
        return EventLoopOptions.of(EventLoopOptions.PER_CORE);
    }

    @BeforeEach
    void start() {
        pushline = Pushline.start(redisOptions(), GatewayOptions.of(HOST, 0), ingestOptions(), loopOptions());
        ws = URI.create("ws://" + HOST + ":" + pushline.gateway().port() + "/");
        ingestPort = pushline.ingest().port();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        pushline.close();
    }

    static String uid() {
        return "u" + UUID.randomUUID().toString().substring(0, 12);
    }

    WsClient page(String uid) {
        return track(Pages.open(ws, uid, HOST, ingestPort));
    }

    LineClient php() {
        return track(LineClient.connect(HOST, ingestPort));
    }

    /**
     * Four tabs of {@code uid}, connected back to back so that it has pages on every event loop (a process hands its
     * accepted connections to its loops in turn), each ready for pushes.
     */
    List<WsClient> tabsOnEveryLoop(String uid) {
        List<WsClient> tabs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            WsClient tab = track(WsClient.connect(ws));
            tab.send(uid);
            tabs.add(tab);
        }
        tabs.forEach(tab -> Pages.awaitReady(tab, uid, HOST, ingestPort));
        return tabs;
    }

    <T extends AutoCloseable> T track(T client) {
        clients.add(client);
        return client;
    }

    @Test
    void theSeedsPhpExchangeWorksByteForByte() throws Exception {
        WsClient otherPage = page(uid());
        String pageUid = "uid1-" + uid();
        WsClient seedPage = page(pageUid);
        String line = "{\"uid\":\"" + pageUid + "\",\"percent\":\"88%\"}";

        // $client = stream_socket_client('tcp://127.0.0.1:5678'); fwrite($client, json_encode($data)."\n"); fread($client, 8192);
        try (Socket php = new Socket()) {
            php.connect(new InetSocketAddress(HOST, ingestPort), 1_000);
            php.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = php.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = php.getInputStream();
            byte[] buf = new byte[8192];
            int n = in.read(buf);
            assertArrayEquals("ok\n".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(buf, n));
        }
        assertEquals(line, Pages.next(seedPage));
        assertNull(Pages.none(otherPage, QUIET), "another uid's page must not receive it");
    }

    @Test
    void aScriptThatWritesItsLineAndExitsWithoutReadingTheReplyStillPushes() throws Exception {
        String uid = uid();
        WsClient page = page(uid);
        String line = "{\"uid\":\"" + uid + "\",\"fire\":\"and forget\"}";

        // fwrite($client, json_encode($data)."\n"); exit; the reply is written after the FIN, to a closed socket
        try (Socket php = new Socket()) {
            php.connect(new InetSocketAddress(HOST, ingestPort), 1_000);
            php.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(line, Pages.next(page));
        assertEquals("ok", php().push("{\"uid\":\"" + uid + "\",\"next\":1}"), "the ingest serves the next script");
        assertEquals("{\"uid\":\"" + uid + "\",\"next\":1}", Pages.next(page));
    }

    @Test
    void aPageMayGiveItsUidInTheUrl() {
        String uid = uid();
        WsClient page = track(WsClient.connect(URI.create(ws + "?uid=" + uid)));
        Pages.awaitReady(page, uid, HOST, ingestPort);

        assertEquals("ok", php().push("{\"uid\":\"" + uid + "\",\"cnt\":3}"));
        assertEquals("{\"uid\":\"" + uid + "\",\"cnt\":3}", Pages.next(page));
    }

    @Test
    void aUidWithNoConnectionFails() {
        assertEquals("fail", php().push("{\"uid\":\"" + uid() + "\",\"percent\":\"88%\"}"));
    }

    @Test
    void pipelinedLinesInOneWriteAreAnsweredInOrder() {
        String online = uid();
        WsClient page = page(online);
        LineClient php = php();
        String offline = uid();

        php.write("{\"uid\":\"" + online + "\",\"n\":1}\n{\"uid\":\"" + offline + "\",\"n\":2}\nnot json\n{\"uid\":\"" + online + "\",\"n\":4}\n");

        assertEquals(List.of("ok", "fail", "fail", "ok"),
                List.of(php.readLine(WAIT), php.readLine(WAIT), php.readLine(WAIT), php.readLine(WAIT)));
        assertEquals("{\"uid\":\"" + online + "\",\"n\":1}", Pages.next(page));
        assertEquals("{\"uid\":\"" + online + "\",\"n\":4}", Pages.next(page));
    }

    @Test
    void aLineSplitOverSeveralWritesIsOneLine() {
        String uid = uid();
        WsClient page = page(uid);
        LineClient php = php();

        php.write("{\"uid\":\"" + uid);
        assertNull(page.pollMessage(QUIET), "half a line is not a push");
        php.write("\",\"part\":");
        php.write("\"two\"}\r\n");

        assertEquals("ok", php.readLine(WAIT));
        assertEquals("{\"uid\":\"" + uid + "\",\"part\":\"two\"}", Pages.next(page), "line ending stripped, \\r included");
    }

    @Test
    void aNumericUidMeansTheSameUidAsItsDigits() {
        String digits = Long.toString(100_000 + (long) (Math.random() * 1e9));
        WsClient page = page(digits);

        assertEquals("ok", php().push("{\"uid\":" + digits + ",\"percent\":\"88%\"}"));
        assertEquals("{\"uid\":" + digits + ",\"percent\":\"88%\"}", Pages.next(page));
    }

    @Test
    void everyTabOfAUidReceivesEveryPushOnce() {
        // A Redis-mode gateway receives the uid's lines once per loop, and each loop writes only to its own pages.
        String uid = uid();
        List<WsClient> tabs = tabsOnEveryLoop(uid);

        assertEquals("ok", php().push("{\"uid\":\"" + uid + "\",\"m\":\"every\"}"));
        assertEquals("ok", php().push("{\"uid\":\"" + uid + "\",\"m\":\"then\"}"));

        for (WsClient tab : tabs) {
            assertEquals("{\"uid\":\"" + uid + "\",\"m\":\"every\"}", Pages.next(tab));
            assertEquals("{\"uid\":\"" + uid + "\",\"m\":\"then\"}", Pages.next(tab), "a tab got a line twice");
        }
    }

    @Test
    void pushesAnsweredInTurnOverSeparateConnectionsArriveInThatOrder() {
        // The seed's own PHP example opens a connection per push. Each push here is written only after the one
        // before it was answered ok, over a new connection, which the node reads on its next loop in turn: every
        // tab, on whichever loop, must receive them in the order they were answered.
        String uid = uid();
        List<WsClient> tabs = tabsOnEveryLoop(uid);

        int pushes = 40;
        for (int n = 0; n < pushes; n++) {
            try (LineClient script = LineClient.connect(HOST, ingestPort)) {
                assertEquals("ok", script.push("{\"uid\":\"" + uid + "\",\"n\":" + n + "}"));
            }
        }
        for (WsClient tab : tabs) {
            for (int n = 0; n < pushes; n++) {
                assertEquals("{\"uid\":\"" + uid + "\",\"n\":" + n + "}", Pages.next(tab));
            }
        }
    }

    @Test
    void aLineForSeveralUidsReachesEachAndIsOkIfAnyIsOnline() {
        String a = uid();
        String b = uid();
        WsClient pageA = page(a);
        WsClient pageB = page(b);
        String line = "{\"uid\":[\"" + a + "\",\"" + b + "\",\"" + uid() + "\"],\"m\":\"many\"}";

        assertEquals("ok", php().push(line));
        assertEquals(line, Pages.next(pageA));
        assertEquals(line, Pages.next(pageB));
        assertEquals("fail", php().push("{\"uid\":[\"" + uid() + "\",\"" + uid() + "\"]}"));
    }

    @Test
    void aBroadcastReachesEveryConnectedPage() {
        WsClient pageA = page(uid());
        WsClient pageB = page(uid());
        String line = "{\"broadcast\":true,\"m\":\"everyone\"}";

        assertEquals("ok", php().push(line));

        assertEquals(line, Pages.next(pageA));
        assertEquals(line, Pages.next(pageB));
    }

    @Test
    void aPageReceivesABroadcastAndThePushesAfterItInTheOrderTheyWereWritten() {
        // Four pages, so that some share the event loop that delivers the lines (the pub/sub connection's, or
        // the ingest's in memory) and some do not: a broadcast must not be overtaken by a later push on either.
        List<String> uids = List.of(uid(), uid(), uid(), uid());
        List<WsClient> pages = uids.stream().map(this::page).toList();
        LineClient php = php();
        StringBuilder lines = new StringBuilder();
        int rounds = 5;
        for (int r = 1; r <= rounds; r++) {
            lines.append("{\"broadcast\":true,\"r\":").append(r).append("}\n");
            for (String uid : uids) {
                lines.append("{\"uid\":\"").append(uid).append("\",\"r\":").append(r).append("}\n");
            }
        }

        php.write(lines.toString());

        for (int i = 0; i < rounds * (uids.size() + 1); i++) {
            assertEquals("ok", php.readLine(WAIT));
        }
        for (int p = 0; p < pages.size(); p++) {
            List<String> expected = new ArrayList<>();
            List<String> received = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                expected.add("{\"broadcast\":true,\"r\":" + r + "}");
                expected.add("{\"uid\":\"" + uids.get(p) + "\",\"r\":" + r + "}");
                received.add(Pages.next(pages.get(p)));
                received.add(Pages.next(pages.get(p)));
            }
            assertEquals(expected, received, "page " + p);
        }
    }

    @Test
    void aBroadcastWrittenInSlicesStaysAheadOfThePushesAfterIt() {
        // More pages per event loop than a loop writes a broadcast to at once (LoopOutbox.SLICE, 512), so that the
        // broadcast is written in slices and the pushes that follow it reach a loop while it is being written.
        int count = 600 * Runtime.getRuntime().availableProcessors();
        List<String> uids = new ArrayList<>();
        List<WsClient> pages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String uid = uid();
            WsClient page = track(WsClient.connect(ws));
            page.send(uid);
            uids.add(uid);
            pages.add(page);
        }
        LineClient php = php();
        StringBuilder probes = new StringBuilder();
        uids.forEach(uid -> probes.append("{\"uid\":\"").append(uid).append("\",\"probe\":0}\n"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        boolean allOnline;
        do { // every page bound and subscribed: one round of probes answered ok for all
            php.write(probes.toString());
            allOnline = true;
            for (int i = 0; i < count; i++) {
                allOnline &= "ok".equals(php.readLine(WAIT));
            }
        } while (!allOnline && System.nanoTime() < deadline);
        assertTrue(allOnline, "pages not online within " + WAIT);
        StringBuilder lines = new StringBuilder("{\"broadcast\":true,\"m\":\"first\"}\n");
        uids.forEach(uid -> lines.append("{\"uid\":\"").append(uid).append("\",\"m\":\"then\"}\n"));

        php.write(lines.toString());

        for (int i = 0; i <= count; i++) {
            assertEquals("ok", php.readLine(WAIT));
        }
        for (int p = 0; p < count; p++) {
            assertEquals("{\"broadcast\":true,\"m\":\"first\"}", Pages.next(pages.get(p)), "page " + p);
            assertEquals("{\"uid\":\"" + uids.get(p) + "\",\"m\":\"then\"}", Pages.next(pages.get(p)), "page " + p);
        }
    }

    @Test
    void aUidReadsOfflineOnceItsPageHasClosed() {
        String uid = uid();
        WsClient page = page(uid);
        LineClient php = php();
        page.close();

        // The close is processed by the gateway asynchronously; it must be a matter of milliseconds.
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        String reply;
        do {
            reply = php.push("{\"uid\":\"" + uid + "\"}");
        } while ("ok".equals(reply) && System.nanoTime() < deadline);
        assertEquals("fail", reply);
    }

    @Test
    void everyBadLineGetsOneFailAndTheConnectionStaysUsable() throws Exception {
        String uid = uid();
        WsClient page = page(uid);
        LineClient php = php();
        byte[][] bad = {
                "not json".getBytes(StandardCharsets.UTF_8),
                "[1,2]".getBytes(StandardCharsets.UTF_8),
                "\"uid\"".getBytes(StandardCharsets.UTF_8),
                "{}".getBytes(StandardCharsets.UTF_8),
                "{\"uid\":\"\"}".getBytes(StandardCharsets.UTF_8),
                "{\"uid\":null}".getBytes(StandardCharsets.UTF_8),
                "{\"uid\":1.5}".getBytes(StandardCharsets.UTF_8),
                "{\"uid\":{\"a\":1}}".getBytes(StandardCharsets.UTF_8),
                ("{\"uid\":\"" + uid + " x\"}").getBytes(StandardCharsets.UTF_8),
                ("{\"uid\":\"{" + uid + "}\"}").getBytes(StandardCharsets.UTF_8),
                ("{\"uid\":\"" + uid + "\",\"uid\":\"" + uid + "\"}").getBytes(StandardCharsets.UTF_8),
                ("{\"uid\":\"" + uid + "\"} trailing").getBytes(StandardCharsets.UTF_8),
                ("{\"uid\":\"" + uid + "\",\"m\":\"\0\"}").getBytes(StandardCharsets.UTF_8),
                concat(("{\"uid\":\"" + uid + "\",\"m\":\"").getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xC3, (byte) 0x28}, "\"}".getBytes(StandardCharsets.UTF_8)),
                "".getBytes(StandardCharsets.UTF_8),
                // Jackson would guess these encodings and accept the line; a page received its NULs.
                ("{\"uid\":\"" + uid + "\",\"m\":\"utf-16\"}").getBytes(StandardCharsets.UTF_16LE),
                concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, ("{\"uid\":\"" + uid + "\",\"m\":\"bom\"}").getBytes(StandardCharsets.UTF_8)),
        };
        for (byte[] line : bad) {
            php.write(concat(line, new byte[] {'\n'}));
            assertEquals("fail", php.readLine(WAIT), "line: " + new String(line, StandardCharsets.UTF_8));
        }
        assertNull(Pages.none(page, QUIET), "no bad line may reach a page");
        assertEquals("ok", php.push("{\"uid\":\"" + uid + "\",\"m\":\"still fine\"}"));
        assertEquals("{\"uid\":\"" + uid + "\",\"m\":\"still fine\"}", Pages.next(page));
    }

    @Test
    void aLineOverTheLimitFailsAndIsNeverPublished() {
        String uid = uid();
        WsClient page = page(uid);
        LineClient php = php();
        String huge = "{\"uid\":\"" + uid + "\",\"pad\":\"" + "x".repeat(IngestOptions.DEFAULT_MAX_LINE_LENGTH + 10) + "\"}";

        php.write(huge + "\n{\"uid\":\"" + uid + "\",\"m\":\"after\"}\n");

        assertEquals("fail", php.readLine(WAIT));
        assertEquals("ok", php.readLine(WAIT));
        assertEquals("{\"uid\":\"" + uid + "\",\"m\":\"after\"}", Pages.next(page));
    }

    @Test
    void aPhpClientThatConnectsForEachPushWorks() {
        String uid = uid();
        WsClient page = page(uid);
        for (int i = 0; i < 5; i++) {
            try (LineClient once = LineClient.connect(HOST, ingestPort)) {
                assertEquals("ok", once.push("{\"uid\":\"" + uid + "\",\"i\":" + i + "}"));
            }
            assertEquals("{\"uid\":\"" + uid + "\",\"i\":" + i + "}", Pages.next(page));
        }
    }

    @Test
    void aUidOutsideTheSyntaxIsClosedWith4400() {
        WsClient page = track(WsClient.connect(ws));
        page.send("bad uid {with} braces");
        assertEquals(4400, page.awaitClose(WAIT));
    }

    @Test
    void framesAfterTheUidAreIgnored() {
        String uid = uid();
        WsClient page = page(uid);
        page.send("{\"uid\":\"someone-else\"}");

        assertEquals("ok", php().push("{\"uid\":\"" + uid + "\",\"m\":1}"));
        assertEquals("{\"uid\":\"" + uid + "\",\"m\":1}", Pages.next(page));
        assertTrue(page.isOpen());
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
