package io.pushline.gateway.auth;

import com.nimbusds.jose.JWSAlgorithm;
import io.pushline.common.config.DurationConverter;
import io.pushline.common.config.SecretOption;
import io.pushline.common.net.Loopback;
import io.pushline.common.protocol.Uid;
import picocli.CommandLine.Option;

import javax.crypto.spec.SecretKeySpec;
import java.security.Key;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Identity settings: the token key and its checks, or the seed's trusted uids. Validation turns them into an
 * {@link IdentityPolicy} and refuses the one unsafe combination: no key, no explicit trust, and a WebSocket
 * listener reachable from other machines.
 */
public final class AuthOptions {

    public static final String DEFAULT_UID_CLAIM = "sub";
    public static final Duration DEFAULT_TOKEN_EXPIRY_GRACE = Duration.ofSeconds(30);
    /** HS256 needs a 256-bit key (RFC 7518 section 3.2); nimbus refuses shorter ones at the first token. */
    public static final int MIN_SECRET_BYTES = 32;
    static final Set<JWSAlgorithm> HMAC = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);
    static final Set<JWSAlgorithm> RSA = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
    static final Set<JWSAlgorithm> EC = Set.of(JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512);

    @Option(names = "--jwt-secret", paramLabel = "SECRET", defaultValue = "${env:PUSHLINE_JWT_SECRET}",
            description = "HMAC key (at least 32 bytes) of the tokens pages present (HS256/384/512). Prefer the "
                    + "variable or --jwt-secret-file: a flag shows in ps. Env: PUSHLINE_JWT_SECRET. Default: unset.")
    String jwtSecret;

    @Option(names = "--jwt-secret-file", paramLabel = "FILE", defaultValue = "${env:PUSHLINE_JWT_SECRET_FILE}",
            description = "File holding the HMAC key (one trailing newline ignored). Env: PUSHLINE_JWT_SECRET_FILE. Default: unset.")
    String jwtSecretFile;

    @Option(names = "--jwt-public-key", paramLabel = "PEM_FILE", defaultValue = "${env:PUSHLINE_JWT_PUBLIC_KEY}",
            description = "PEM public key (RSA or EC) of the tokens pages present (RS256, ES256, ...). "
                    + "Env: PUSHLINE_JWT_PUBLIC_KEY. Default: unset.")
    String jwtPublicKey;

    @Option(names = "--jwt-algorithms", paramLabel = "ALGS", defaultValue = "${env:PUSHLINE_JWT_ALGORITHMS:-}",
            description = "Comma-separated allow-list of token algorithms; none is always refused. "
                    + "Env: PUSHLINE_JWT_ALGORITHMS. Default: every algorithm of the key's type.")
    String jwtAlgorithms;

    @Option(names = "--jwt-audience", paramLabel = "AUD", defaultValue = "${env:PUSHLINE_JWT_AUDIENCE}",
            description = "Required aud of tokens. Env: PUSHLINE_JWT_AUDIENCE. Default: not checked.")
    String audience;

    @Option(names = "--jwt-issuer", paramLabel = "ISS", defaultValue = "${env:PUSHLINE_JWT_ISSUER}",
            description = "Required iss of tokens. Env: PUSHLINE_JWT_ISSUER. Default: not checked.")
    String issuer;

    @Option(names = "--jwt-uid-claim", paramLabel = "CLAIM", defaultValue = "${env:PUSHLINE_JWT_UID_CLAIM:-" + DEFAULT_UID_CLAIM + "}",
            description = "Token claim holding the uid. Env: PUSHLINE_JWT_UID_CLAIM. Default: ${DEFAULT-VALUE}.")
    String uidClaim;

    @Option(names = "--token-expiry-grace", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:PUSHLINE_TOKEN_EXPIRY_GRACE:-30s}",
            description = "How long a connection outlives its token's exp; a page that sends a fresh token for "
                    + "its uid as a text frame stays, others are closed with 4403. "
                    + "Env: PUSHLINE_TOKEN_EXPIRY_GRACE. Default: ${DEFAULT-VALUE}.")
    Duration expiryGrace;

    @Option(names = "--trust-uid", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            defaultValue = "${env:PUSHLINE_TRUST_UID:-false}",
            description = "Trust the uid pages send (first frame or ?uid=) without a token, the seed's mode: any "
                    + "page can claim any uid. Needed without a key on a non-loopback --ws-host; ignored when a "
                    + "key is set. Env: PUSHLINE_TRUST_UID. Default: ${DEFAULT-VALUE}.")
    boolean trustUid;

    public AuthOptions() {
    }

    /** The defaults: no key, trust only on loopback. */
    public static AuthOptions defaults() {
        AuthOptions o = new AuthOptions();
        o.jwtAlgorithms = "";
        o.uidClaim = DEFAULT_UID_CLAIM;
        o.expiryGrace = DEFAULT_TOKEN_EXPIRY_GRACE;
        return o;
    }

    public AuthOptions withSecret(String secret) { this.jwtSecret = secret; return this; }
    public AuthOptions withPublicKey(String pemFile) { this.jwtPublicKey = pemFile; return this; }
    public AuthOptions withAlgorithms(String algorithms) { this.jwtAlgorithms = algorithms; return this; }
    public AuthOptions withAudience(String aud) { this.audience = aud; return this; }
    public AuthOptions withIssuer(String iss) { this.issuer = iss; return this; }
    public AuthOptions withExpiryGrace(Duration grace) { this.expiryGrace = grace; return this; }
    public AuthOptions withTrustUid(boolean trust) { this.trustUid = trust; return this; }

    /**
     * What these settings mean for a gateway listening on {@code wsHost}.
     *
     * @throws IllegalArgumentException naming the flag and variable that is wrong or missing
     */
    public IdentityPolicy policy(String wsHost) {
        if (expiryGrace == null || expiryGrace.isNegative()) {
            throw new IllegalArgumentException("--token-expiry-grace (PUSHLINE_TOKEN_EXPIRY_GRACE) must not be negative");
        }
        if (!Uid.isValid(uidClaim)) {
            throw new IllegalArgumentException("--jwt-uid-claim (PUSHLINE_JWT_UID_CLAIM) must be a claim name, got '" + uidClaim + "'");
        }
        byte[] secret = SecretOption.resolve(jwtSecret, jwtSecretFile, "--jwt-secret (PUSHLINE_JWT_SECRET)",
                "--jwt-secret-file (PUSHLINE_JWT_SECRET_FILE)");
        boolean hasPublicKey = jwtPublicKey != null && !jwtPublicKey.isBlank();
        if (secret != null && hasPublicKey) {
            throw new IllegalArgumentException("set a token secret (PUSHLINE_JWT_SECRET) or a public key "
                    + "(PUSHLINE_JWT_PUBLIC_KEY), not both");
        }
        if (secret == null && !hasPublicKey) {
            return trustedOrRefuse(wsHost);
        }
        Key key;
        Set<JWSAlgorithm> family;
        if (secret != null) {
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException("--jwt-secret (PUSHLINE_JWT_SECRET) must be at least "
                        + MIN_SECRET_BYTES + " bytes for HS256, got " + secret.length);
            }
            key = new SecretKeySpec(secret, "HmacSHA256");
            family = HMAC;
        } else {
            PublicKey publicKey = PublicKeys.read(jwtPublicKey, "--jwt-public-key (PUSHLINE_JWT_PUBLIC_KEY)");
            key = publicKey;
            family = publicKey instanceof RSAPublicKey ? RSA : publicKey instanceof ECPublicKey ? EC : Set.of();
        }
        Set<JWSAlgorithm> algorithms = algorithms(family);
        return IdentityPolicy.tokens(new TokenVerifier(key, algorithms, blankToNull(audience), blankToNull(issuer), uidClaim),
                expiryGrace);
    }

    private IdentityPolicy trustedOrRefuse(String wsHost) {
        if (trustUid) {
            return IdentityPolicy.trusted("--trust-uid (PUSHLINE_TRUST_UID) is set");
        }
        if (Loopback.isLoopback(wsHost)) {
            return IdentityPolicy.trusted("no token key is set and the WebSocket listener is on loopback " + wsHost);
        }
        throw new IllegalArgumentException("--ws-host " + wsHost + " is reachable from other machines and no token key "
                + "is set: set PUSHLINE_JWT_SECRET / PUSHLINE_JWT_PUBLIC_KEY so pages prove their uid, or "
                + "PUSHLINE_TRUST_UID=true to trust the uid pages send (any page can then claim any uid)");
    }

    private Set<JWSAlgorithm> algorithms(Set<JWSAlgorithm> family) {
        if (jwtAlgorithms == null || jwtAlgorithms.isBlank()) {
            return family;
        }
        Set<JWSAlgorithm> chosen = new LinkedHashSet<>();
        for (String name : jwtAlgorithms.split(",")) {
            String n = name.trim();
            if (n.isEmpty()) {
                continue;
            }
            JWSAlgorithm alg = JWSAlgorithm.parse(n);
            if (!family.contains(alg)) {
                throw new IllegalArgumentException("--jwt-algorithms (PUSHLINE_JWT_ALGORITHMS): " + n
                        + " is not usable with the configured key; choose from " + family);
            }
            chosen.add(alg);
        }
        if (chosen.isEmpty()) {
            throw new IllegalArgumentException("--jwt-algorithms (PUSHLINE_JWT_ALGORITHMS) names no algorithm");
        }
        return chosen;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
