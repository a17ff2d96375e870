package io.pushline.all;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pushline.testkit.FreePort;
import io.pushline.testkit.JavaProcess;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What an operator sees when a start goes wrong, and what {@code --help} tells them. */
class StartupErrorsIT {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static JavaProcess pushline(String... args) {
        return JavaProcess.start(PushlineMain.class.getName(), List.of(args), Map.of());
    }

    @Test
    void aPortInUseIsOneLineNamingTheListenerAndTheAddress() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            try (JavaProcess p = pushline("--ws-host", "127.0.0.1", "--ws-port", Integer.toString(port), "--ingest-port", "0", "--admin-port", "-1")) {
                p.awaitLine(Pattern.compile("pushline: cannot listen for WebSockets on 127\\.0\\.0\\.1:" + port + ": .*in use"), WAIT);
                assertEquals(1, p.awaitExit(WAIT));
            }
        }
    }

    @Test
    void anUnreachableRedisIsOneLineNamingTheUrlWithoutItsPassword() {
        int closed = FreePort.find();
        try (JavaProcess p = pushline("--ws-port", "0", "--ingest-port", "0", "--admin-port", "-1", "--redis-url", "redis://app:s3cret@127.0.0.1:" + closed)) {
            String line = p.awaitLine(Pattern.compile("pushline: cannot connect to Redis at redis://app:\\*\\*\\*@127\\.0\\.0\\.1:" + closed), WAIT);
            assertTrue(!line.contains("s3cret"), line);
            assertEquals(1, p.awaitExit(WAIT));
        }
    }

    @Test
    void anInvalidSettingNamesTheFlagAndTheVariable() {
        try (JavaProcess p = pushline("--ws-port", "70000")) {
            p.awaitLine(Pattern.compile("--ws-port \\(PUSHLINE_WS_PORT\\) must be 0\\.\\.65535, got 70000"), WAIT);
            assertEquals(1, p.awaitExit(WAIT));
        }
    }

    @Test
    void eventLoopsSetsTheThreadsOfTheProcessAndANegativeCountIsRefused() {
        try (JavaProcess p = pushline("--ws-port", "0", "--ingest-port", "0", "--admin-port", "-1", "--event-loops", "1")) {
            p.awaitLine(Pattern.compile("pushline-gateway listening .*, 1 event loops shared\\)"), WAIT);
            p.awaitLine(Pattern.compile("pushline-ingest listening .*, 1 event loops shared\\)"), WAIT);
        }
        try (JavaProcess p = pushline("--event-loops", "-1")) {
            p.awaitLine(Pattern.compile("--event-loops \\(PUSHLINE_EVENT_LOOPS\\) must be 0 \\(one per core\\) or more, got -1"), WAIT);
            assertEquals(1, p.awaitExit(WAIT));
        }
    }

    @Test
    void anUnknownTransportIsRefusedWithTheChoices() {
        try (JavaProcess p = pushline("--transport", "kqueue")) {
            p.awaitLine(Pattern.compile("--transport \\(PUSHLINE_TRANSPORT\\): unknown transport 'kqueue': one of auto, epoll, io_uring, nio"), WAIT);
            assertEquals(1, p.awaitExit(WAIT));
        }
    }

    @Test
    void withJsonLogsEveryLineIsOneJsonObjectWithTheMessage() throws Exception {
        try (JavaProcess p = JavaProcess.start(PushlineMain.class.getName(), List.of("--ws-port", "70000"),
                Map.of("PUSHLINE_LOG_FORMAT", "json"))) {
            assertEquals(1, p.awaitExit(WAIT));
            String output = p.output().strip();
            assertTrue(!output.isEmpty(), "no log output");
            ObjectMapper json = new ObjectMapper();
            boolean sawTheError = false;
            for (String line : output.split("\n")) {
                JsonNode event = json.readTree(line); // throws if a line is not JSON
                assertTrue(event.has("level") && event.has("loggerName") && event.has("timestamp"), line);
                sawTheError |= "ERROR".equals(event.path("level").asText())
                        && event.path("formattedMessage").asText().contains("--ws-port (PUSHLINE_WS_PORT) must be 0..65535, got 70000");
            }
            assertTrue(sawTheError, output);
        }
    }

    @Test
    void helpListsEverySettingWithItsVariableAndDefault() {
        try (JavaProcess p = pushline("--help")) {
            assertEquals(0, p.awaitExit(WAIT));
            String help = p.output();
            for (String env : List.of("PUSHLINE_REDIS_URL", "PUSHLINE_REDIS_PREFIX", "PUSHLINE_PRESENCE_TTL", "PUSHLINE_WS_PORT",
                    "PUSHLINE_WS_HOST", "PUSHLINE_INGEST_PORT", "PUSHLINE_INGEST_HOST", "PUSHLINE_MAX_LINE_LENGTH", "PUSHLINE_NODE_ID")) {
                assertTrue(help.contains(env), env + " missing from --help:\n" + help);
            }
            assertTrue(help.contains("Default: 1234") && help.contains("Default: 5678"), help);
        }
    }
}
