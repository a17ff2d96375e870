package io.pushline.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.pushline.common.protocol.Uid;

import java.security.Key;
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks one token: a signed JWT (never {@code alg:none}, which the processor refuses outright) whose algorithm is
 * on the allow-list, signed by the configured key, with {@code exp} present and in the future, {@code nbf} passed,
 * {@code aud} and {@code iss} matching when configured, and a uid claim that follows the uid syntax.
 *
 * <p>Thread-safe and CPU-only (one HMAC or one signature check, microseconds): it runs on the event loop, before
 * the connection subscribes to anything.
 */
public final class TokenVerifier {

    /** Clock difference tolerated between the token issuer and this node for {@code exp} and {@code nbf}. */
    public static final int CLOCK_SKEW_SECONDS = 5;
    /** A longer string is not a token anyone issued; refuse it before parsing. */
    public static final int MAX_TOKEN_LENGTH = 8_192;
    /** Close reasons must fit a control frame (125 bytes with the code). */
    private static final int MAX_REASON = 100;

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String uidClaim;

    TokenVerifier(Key key, Set<JWSAlgorithm> algorithms, String audience, String issuer, String uidClaim) {
        this.uidClaim = uidClaim;
        Set<JWSAlgorithm> allowed = Set.copyOf(algorithms);
        List<Key> keys = List.of(key);
        // No key for an algorithm off the list: the processor then refuses the token before verifying anything.
        JWSKeySelector<SecurityContext> selector = (header, context) ->
                allowed.contains(header.getAlgorithm()) ? keys : List.of();
        processor.setJWSKeySelector(selector);
        Set<String> required = new HashSet<>(Set.of("exp", uidClaim));
        JWTClaimsSet exact = issuer == null ? null : new JWTClaimsSet.Builder().issuer(issuer).build();
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                audience == null ? null : Set.of(audience), exact, required, null);
        claims.setMaxClockSkew(CLOCK_SKEW_SECONDS);
        processor.setJWTClaimsSetVerifier(claims);
    }

    /** @throws InvalidTokenException with a short reason when any check fails */
    public VerifiedToken verify(String token) throws InvalidTokenException {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            throw new InvalidTokenException("token missing or longer than " + MAX_TOKEN_LENGTH + " characters");
        }
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new InvalidTokenException("not a JWT");
        } catch (BadJOSEException | JOSEException | RuntimeException e) {
            throw new InvalidTokenException(shorten(e.getMessage()));
        }
        Object raw = claims.getClaim(uidClaim);
        String uid = raw instanceof String s ? s : raw instanceof Long || raw instanceof Integer ? raw.toString() : null;
        if (!Uid.isValid(uid)) {
            throw new InvalidTokenException("claim " + uidClaim + " is not a uid (" + Uid.describe() + ")");
        }
        return new VerifiedToken(uid, claims.getExpirationTime().toInstant());
    }

    private static String shorten(String message) {
        String m = message == null ? "rejected" : message;
        return m.length() <= MAX_REASON ? m : m.substring(0, MAX_REASON);
    }
}
