package io.pushline.all;

import com.nimbusds.jose.JWSAlgorithm;
import io.pushline.common.protocol.CloseCodes;
import io.pushline.gateway.auth.AuthOptions;
import io.pushline.testkit.LineClient;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A uid with braces (a Redis Cluster hash tag: another uid's key or channel), spaces or glob characters enters
 * through none of the four doors: first frame, {@code ?uid=}, ingest line, token claim.
 */
class SecurityUidEntryPointsIT {

    private static final Duration WAIT = Pages.WAIT;

    @ParameterizedTest
    @ValueSource(strings = {"a}{victim", "two words", "uid*", "{victim}"})
    void aUidOutsideTheSyntaxEntersNowhere(String bad) {
        String query = "uid=" + URLEncoder.encode(bad, StandardCharsets.UTF_8);
        try (SecureNode trusting = SecureNode.withAuth(AuthOptions.defaults())) {
            try (WsClient byFrame = WsClient.connect(trusting.ws(""))) {
                byFrame.send(bad);
                assertEquals(CloseCodes.INVALID_UID, byFrame.awaitClose(WAIT));
            }
            try (WsClient byQuery = WsClient.connect(trusting.ws(query))) {
                assertEquals(CloseCodes.INVALID_UID, byQuery.awaitClose(WAIT));
            }
            try (LineClient ingest = LineClient.connect(SecureNode.HOST, trusting.ingestPort())) {
                assertEquals("fail", ingest.push("{\"uid\":\"" + bad + "\",\"m\":1}"));
            }
        }
        try (SecureNode tokens = SecureNode.withAuth(AuthOptions.defaults().withSecret(Tokens.SECRET))) {
            String token = Tokens.sign(Tokens.mac(Tokens.SECRET), JWSAlgorithm.HS256, Tokens.claims(bad, Duration.ofMinutes(5)).build());
            assertEquals(401, assertThrows(WsClient.HandshakeRefused.class,
                    () -> WsClient.connect(tokens.ws("token=" + token))).statusCode());
            try (WsClient byFrame = WsClient.connect(tokens.ws(""))) {
                byFrame.send(token);
                assertEquals(CloseCodes.INVALID_TOKEN, byFrame.awaitClose(WAIT));
            }
        }
    }
}
