package io.pushline.all;

import io.pushline.testkit.JavaProcess;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What an operator sees about trusted uids at start: a refusal off loopback, a warning when trust is on. */
class SecurityStartupIT {

    private static final Duration WAIT = Duration.ofSeconds(20);

    private static JavaProcess pushline(Map<String, String> env, String... args) {
        return JavaProcess.start(PushlineMain.class.getName(), List.of(args), env);
    }

    @Test
    void aNonLoopbackGatewayWithoutKeyOrTrustRefusesToStartInOneLine() {
        try (JavaProcess p = pushline(Map.of(), "--ws-host", "0.0.0.0", "--ws-port", "0", "--ingest-port", "0")) {
            p.awaitLine(Pattern.compile("pushline: --ws-host 0\\.0\\.0\\.0 is reachable from other machines and no token key is set: "
                    + "set PUSHLINE_JWT_SECRET / PUSHLINE_JWT_PUBLIC_KEY .* or PUSHLINE_TRUST_UID=true .*"), WAIT);
            assertEquals(1, p.awaitExit(WAIT));
        }
    }

    @Test
    void trustModeStartsWithOneWarningSayingWhy() {
        try (JavaProcess p = pushline(Map.of("PUSHLINE_TRUST_UID", "true"), "--ws-host", "0.0.0.0", "--ws-port", "0", "--ingest-port", "0")) {
            p.awaitLine(Pattern.compile("WARN .*uids are trusted as pages send them.*because --trust-uid \\(PUSHLINE_TRUST_UID\\) is set.*"), WAIT);
            p.awaitLine(Pattern.compile("pushline-gateway listening for WebSockets on 0\\.0\\.0\\.0:\\d+ \\(ws://.*"), WAIT);
        }
    }

    @Test
    void theDefaultStartIsLoopbackAndTrustsUidsWithAWarning() {
        try (JavaProcess p = pushline(Map.of(), "--ws-port", "0", "--ingest-port", "0")) {
            p.awaitLine(Pattern.compile("WARN .*because no token key is set and the WebSocket listener is on loopback 127\\.0\\.0\\.1.*"), WAIT);
            p.awaitLine(Pattern.compile("pushline-gateway listening for WebSockets on 127\\.0\\.0\\.1:\\d+ \\(ws://.*"), WAIT);
        }
    }

    @Test
    void aShortSecretIsRefusedNamingTheFlag() {
        try (JavaProcess p = pushline(Map.of("PUSHLINE_JWT_SECRET", "short"), "--ws-port", "0", "--ingest-port", "0")) {
            p.awaitLine(Pattern.compile("pushline: --jwt-secret \\(PUSHLINE_JWT_SECRET\\) must be at least 32 bytes for HS256, got 5"), WAIT);
            assertEquals(1, p.awaitExit(WAIT));
        }
    }
}
