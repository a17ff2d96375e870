package io.pushline.all;

import io.pushline.testkit.JavaProcess;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Abuse of the ingest against a real Pushline process: a flood of connections, and a line that never ends.
 * The process runs apart so that its file-descriptor table and its heap are its own.
 */
class IngestAbuseIT {

    private static final String HOST = "127.0.0.1";
    private static final Pattern WS = Pattern.compile("listening for WebSockets on [^:]+:(\\d+)");
    private static final Pattern INGEST = Pattern.compile("listening for lines on [^:]+:(\\d+)");
    private static final Duration START = Duration.ofSeconds(20);

    private JavaProcess pushline;
    private final List<AutoCloseable> clients = new ArrayList<>();

    private int[] start(List<String> jvm, String... args) {
        List<String> all = new ArrayList<>(List.of("--ws-host", HOST, "--ws-port", "0", "--ingest-port", "0", "--admin-port", "-1"));
        all.addAll(List.of(args));
        pushline = JavaProcess.start(PushlineMain.class.getName(), jvm, all, Map.of());
        return new int[] {port(WS), port(INGEST)};
    }

    private int port(Pattern p) {
        Matcher m = p.matcher(pushline.awaitLine(p, START));
        assertTrue(m.find());
        return Integer.parseInt(m.group(1));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        if (pushline != null) {
            pushline.close();
        }
    }

    @Test
    void tenThousandConnectionsAreAcceptedOrRefusedCleanlyAndTheProcessCarriesOn() {
        int cap = 4_096;
        int[] ports = start(List.of("-Xmx256m"), "--ingest-max-connections", Integer.toString(cap));
        List<LineClient> accepted = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < 10_000; i++) {
            LineClient c = LineClient.connect(HOST, ports[1]);
            clients.add(c);
            if (i < cap) {
                accepted.add(c);
            } else {
                assertEquals("fail", c.readLine(Duration.ofSeconds(5)), "connection " + i + " over the cap");
                assertTrue(c.awaitEof(Duration.ofSeconds(5)));
                refused++;
            }
        }
        assertEquals(10_000 - cap, refused);
        for (LineClient c : accepted) {
            assertEquals("fail", c.push("{\"uid\":\"nobody\"}"), "every accepted connection still answers");
        }
        for (LineClient c : accepted) {
            c.close();
        }
        assertTrue(pushline.isAlive());
        org.awaitility.Awaitility.await("slots free again").atMost(Duration.ofSeconds(10)).until(() -> {
            try (LineClient c = LineClient.connect(HOST, ports[1])) {
                return "fail".equals(c.push("{\"uid\":\"nobody\"}")) && !c.awaitEof(Duration.ofMillis(50));
            }
        });
        assertFalse(pushline.output().contains("Exception"), pushline.output());
    }

    @Test
    void aGibibyteWithoutANewlineCostsNoMemoryAndTheConnectionCarriesOn() throws Exception {
        // 48 MB of heap: if the line were buffered, the process would die of it long before 1 GiB.
        int[] ports = start(List.of("-Xmx48m"));
        String uid = "patient";
        WsClient page = Pages.open(URI.create("ws://" + HOST + ":" + ports[0] + "/"), uid, HOST, ports[1]);
        clients.add(page);

        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, ports[1]), 2_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) 'x');
            for (int mib = 0; mib < 1024; mib++) {
                out.write(chunk);
            }
            out.write(("\n{\"uid\":\"" + uid + "\",\"m\":\"after\"}\n").getBytes());
            out.flush();
            byte[] reply = s.getInputStream().readNBytes("fail\nok\n".length());
            assertEquals("fail\nok\n", new String(reply), "one fail for the endless line, then the next line works");
        }
        assertEquals("{\"uid\":\"" + uid + "\",\"m\":\"after\"}", Pages.next(page));
        assertTrue(pushline.isAlive());
        assertFalse(pushline.output().contains("OutOfMemoryError"));
    }
}
