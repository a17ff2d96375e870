package io.pushline.all;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import io.pushline.common.protocol.CloseCodes;
import io.pushline.gateway.auth.AuthOptions;
import io.pushline.gateway.auth.TokenSessionHandler;
import io.pushline.testkit.RawWebSocket;
import io.pushline.testkit.WsClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signed identities end to end: real WebSockets, real ingest, tokens minted with nimbus. */
class SecurityTokenIT {

    private static final Duration WAIT = Pages.WAIT;
    /** The bound: a refused token is answered within 2 s. */
    private static final Duration REFUSAL_BOUND = Duration.ofSeconds(2);

    private SecureNode node;
    private final List<WsClient> pages = new ArrayList<>();

    @AfterEach
    void stop() {
        pages.forEach(WsClient::close);
        if (node != null) {
            node.close();
        }
    }

    private WsClient connect(String query) {
        WsClient page = WsClient.connect(node.ws(query));
        pages.add(page);
        return page;
    }

    private int refusedStatus(String query) {
        long start = System.nanoTime();
        WsClient.HandshakeRefused refused = assertThrows(WsClient.HandshakeRefused.class, () -> connect(query));
        assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(REFUSAL_BOUND) < 0, "refusal took too long");
        return refused.statusCode();
    }

    private void assertFrameRefused(String token) {
        WsClient page = connect("");
        page.send(token);
        assertEquals(CloseCodes.INVALID_TOKEN, page.awaitClose(REFUSAL_BOUND));
    }

    private static AuthOptions hmac() {
        return AuthOptions.defaults().withSecret(Tokens.SECRET);
    }

    @Test
    void aValidTokenInTheUrlOrAsFirstFrameBindsItsUid() {
        node = SecureNode.withAuth(hmac());
        WsClient byUrl = connect("token=" + Tokens.hs256("alice", Duration.ofMinutes(5)));
        Pages.awaitReady(byUrl, "alice", SecureNode.HOST, node.ingestPort());
        WsClient byFrame = connect("");
        byFrame.send(Tokens.hs256("bob", Duration.ofMinutes(5)));
        Pages.awaitReady(byFrame, "bob", SecureNode.HOST, node.ingestPort());
        assertEquals("ok", node.push("bob", "hi"));
        assertEquals("{\"uid\":\"bob\",\"m\":\"hi\"}", Pages.next(byFrame));
    }

    @Test
    void forgedExpiredWrongAlgorithmAndUnsignedTokensAreRefusedAtTheHandshakeAndAsFrames() {
        node = SecureNode.withAuth(hmac().withAlgorithms("HS256"));
        String forged = Tokens.sign(Tokens.mac(Tokens.OTHER_SECRET), JWSAlgorithm.HS256, Tokens.claims("alice", Duration.ofMinutes(5)).build());
        String expired = Tokens.hs256("alice", Duration.ofMinutes(-5));
        String wrongAlgorithm = Tokens.sign(Tokens.mac(Tokens.SECRET), JWSAlgorithm.HS512, Tokens.claims("alice", Duration.ofMinutes(5)).build());
        String unsigned = Tokens.unsigned("alice");
        String noExpiry = Tokens.sign(Tokens.mac(Tokens.SECRET), JWSAlgorithm.HS256,
                new com.nimbusds.jwt.JWTClaimsSet.Builder().subject("alice").build());
        for (String bad : List.of(forged, expired, wrongAlgorithm, unsigned, noExpiry, "not-a-token")) {
            assertEquals(401, refusedStatus("token=" + bad), bad);
            assertFrameRefused(bad);
        }
        assertEquals("fail", node.push("alice", "nobody bound alice"));
        assertTrue(node.pushline.gateway().security().stats().invalidTokenCount() >= 12);
    }

    @Test
    void aValidTokenSplitOverTwoFramesIsRefusedForBeingSplit() {
        node = SecureNode.withAuth(hmac());
        String token = Tokens.hs256("carol", Duration.ofMinutes(5));
        try (RawWebSocket page = RawWebSocket.connect(SecureNode.HOST, node.pushline.gateway().port(), "/")) {
            page.sendFragment(RawWebSocket.TEXT, token.substring(0, 10).getBytes(StandardCharsets.US_ASCII), false);
            page.sendFragment(RawWebSocket.CONTINUATION, token.substring(10).getBytes(StandardCharsets.US_ASCII), true);

            RawWebSocket.Frame close = page.readFrame(REFUSAL_BOUND);
            assertEquals(RawWebSocket.CLOSE, close.opcode());
            assertEquals(CloseCodes.INVALID_TOKEN, close.closeCode());
            // Its first fragment verified alone read as a forged token, which sent the page's author the wrong way.
            String reason = new String(close.payload(), 2, close.payload().length - 2, StandardCharsets.UTF_8);
            assertTrue(reason.contains("one frame"), reason);
        }
        assertEquals("fail", node.push("carol", "split"));
    }

    @Test
    void aUidInTheQueryOrAPlainUidFrameIsIgnoredWhenTokensAreOn() {
        node = SecureNode.withAuth(hmac());
        WsClient byQuery = connect("uid=victim");
        WsClient byFrame = connect("");
        byFrame.send("victim");
        assertEquals(CloseCodes.INVALID_TOKEN, byFrame.awaitClose(REFUSAL_BOUND));
        assertEquals("fail", node.push("victim", "secret"));
        assertEquals(null, byQuery.pollMessage(Duration.ofMillis(300)));
    }

    @Test
    void audienceAndIssuerAreCheckedWhenConfigured() {
        node = SecureNode.withAuth(hmac().withAudience("pushline").withIssuer("https://app.example.com"));
        var good = Tokens.claims("alice", Duration.ofMinutes(5)).audience("pushline").issuer("https://app.example.com");
        var wrongAud = Tokens.claims("alice", Duration.ofMinutes(5)).audience("other").issuer("https://app.example.com");
        var noIss = Tokens.claims("alice", Duration.ofMinutes(5)).audience("pushline");
        assertEquals(401, refusedStatus("token=" + Tokens.sign(Tokens.mac(Tokens.SECRET), JWSAlgorithm.HS256, wrongAud.build())));
        assertEquals(401, refusedStatus("token=" + Tokens.sign(Tokens.mac(Tokens.SECRET), JWSAlgorithm.HS256, noIss.build())));
        WsClient page = connect("token=" + Tokens.sign(Tokens.mac(Tokens.SECRET), JWSAlgorithm.HS256, good.build()));
        Pages.awaitReady(page, "alice", SecureNode.HOST, node.ingestPort());
    }

    @Test
    void anExpiredConnectionIsClosedWith4403UnlessThePageSentAFreshToken() {
        node = SecureNode.withAuth(hmac().withExpiryGrace(Duration.ZERO));
        // JWT exp has one-second resolution: 3 s leaves time to connect and refresh before it passes.
        WsClient stale = connect("token=" + Tokens.hs256("carol", Duration.ofSeconds(3)));
        WsClient refreshed = connect("token=" + Tokens.hs256("carol", Duration.ofSeconds(3)));
        refreshed.send(Tokens.hs256("carol", Duration.ofMinutes(5)));
        refreshed.send(Tokens.hs256("mallory", Duration.ofMinutes(5))); // another uid's token refreshes nothing
        assertEquals(CloseCodes.TOKEN_EXPIRED, stale.awaitClose(Duration.ofSeconds(10)));
        assertTrue(refreshed.isOpen());
        assertEquals("ok", node.push("carol", "still here"));
        assertEquals("{\"uid\":\"carol\",\"m\":\"still here\"}", Pages.next(refreshed));
        assertEquals(1, node.pushline.gateway().security().stats().tokenExpiredCount());
    }

    @Test
    void aPageSendingTokenFramesFasterThanItsRefreshesAreTakenHasTheRestDroppedAndCounted() {
        node = SecureNode.withAuth(hmac().withExpiryGrace(Duration.ZERO));
        WsClient page = connect("token=" + Tokens.hs256("dave", Duration.ofSeconds(3)));
        Pages.awaitReady(page, "dave", SecureNode.HOST, node.ingestPort());
        // Twice the burst spends it (a refresh that comes back meanwhile goes to the next junk frame), so the
        // good token right behind finds none left, is dropped unverified, and the connection expires.
        for (int i = 0; i < 2 * TokenSessionHandler.REFRESH_BURST; i++) {
            page.send(Tokens.sign(Tokens.mac(Tokens.OTHER_SECRET), JWSAlgorithm.HS256, Tokens.claims("dave", Duration.ofMinutes(5)).build()));
        }
        page.send(Tokens.hs256("dave", Duration.ofMinutes(5)));

        assertEquals(CloseCodes.TOKEN_EXPIRED, page.awaitClose(Duration.ofSeconds(10)));
        assertTrue(node.pushline.gateway().security().stats().refreshesDroppedCount() >= TokenSessionHandler.REFRESH_BURST);
    }

    @Test
    void rs256AndEs256TokensVerifyWithAPemPublicKeyAndTheSecretAlgorithmsDoNot(@TempDir Path dir) throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair rsaKeys = rsa.generateKeyPair();
        Path rsaPem = writePublicKey(dir.resolve("rsa.pem"), rsaKeys);
        node = SecureNode.withAuth(AuthOptions.defaults().withPublicKey(rsaPem.toString()));
        String good = Tokens.sign(new RSASSASigner(rsaKeys.getPrivate()), JWSAlgorithm.RS256, Tokens.claims("dave", Duration.ofMinutes(5)).build());
        Pages.awaitReady(connect("token=" + good), "dave", SecureNode.HOST, node.ingestPort());
        // The classic confusion attack: HS256 "signed" with the public key's bytes as the HMAC secret.
        String confused = Tokens.sign(Tokens.mac(Files.readString(rsaPem)), JWSAlgorithm.HS256, Tokens.claims("dave", Duration.ofMinutes(5)).build());
        assertEquals(401, refusedStatus("token=" + confused));
        node.close();

        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ecKeys = ec.generateKeyPair();
        node = SecureNode.withAuth(AuthOptions.defaults().withPublicKey(writePublicKey(dir.resolve("ec.pem"), ecKeys).toString()));
        String es = Tokens.sign(new ECDSASigner((ECPrivateKey) ecKeys.getPrivate()), JWSAlgorithm.ES256, Tokens.claims("erin", Duration.ofMinutes(5)).build());
        Pages.awaitReady(connect("token=" + es), "erin", SecureNode.HOST, node.ingestPort());
    }

    private static Path writePublicKey(Path file, KeyPair keys) throws Exception {
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        return Files.writeString(file, pem);
    }
}
