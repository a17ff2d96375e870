package io.pushline.all;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/** Mints tokens for tests, good and bad, with nimbus (the library the gateway verifies with). */
final class Tokens {

    /** 64 bytes: long enough for HS512, so a wrong-algorithm token can be signed with the right key. */
    static final String SECRET = "pushline-test-secret-0123456789abcdef-0123456789abcdef-012345678";
    static final String OTHER_SECRET = "someone-else-secret-0123456789abcdef";

    private Tokens() {
    }

    static JWTClaimsSet.Builder claims(String uid, Duration validFor) {
        return new JWTClaimsSet.Builder().subject(uid).expirationTime(Date.from(Instant.now().plus(validFor)));
    }

    static String hs256(String uid, Duration validFor) {
        return sign(mac(SECRET), JWSAlgorithm.HS256, claims(uid, validFor).build());
    }

    static String sign(JWSSigner signer, JWSAlgorithm alg, JWTClaimsSet claims) {
        SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    static MACSigner mac(String secret) {
        try {
            return new MACSigner(secret.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code alg:none}: header and claims, an empty signature. */
    static String unsigned(String uid) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String body = b64.encodeToString(claims(uid, Duration.ofMinutes(5)).build().toString().getBytes(StandardCharsets.UTF_8));
        return header + "." + body + ".";
    }
}
