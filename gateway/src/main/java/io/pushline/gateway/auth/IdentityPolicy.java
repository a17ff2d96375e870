package io.pushline.gateway.auth;

import java.time.Duration;

/**
 * How a connection proves its uid: with a signed token (when a key is configured), or by simply saying it, the
 * seed's way (trusted uids). Immutable, shared by all connections.
 */
public final class IdentityPolicy {

    private final TokenVerifier verifier;
    private final Duration expiryGrace;
    private final String trustReason;

    private IdentityPolicy(TokenVerifier verifier, Duration expiryGrace, String trustReason) {
        this.verifier = verifier;
        this.expiryGrace = expiryGrace;
        this.trustReason = trustReason;
    }

    static IdentityPolicy tokens(TokenVerifier verifier, Duration expiryGrace) {
        return new IdentityPolicy(verifier, expiryGrace, null);
    }

    static IdentityPolicy trusted(String reason) {
        return new IdentityPolicy(null, Duration.ZERO, reason);
    }

    /** True when pages name their uid themselves (first frame or {@code ?uid=}), unverified. */
    public boolean trustsUid() {
        return verifier == null;
    }

    /** The verifier; only when {@link #trustsUid()} is false. */
    public TokenVerifier verifier() {
        return verifier;
    }

    /** How long a connection may outlive its token's {@code exp} without a fresh token. */
    public Duration expiryGrace() {
        return expiryGrace;
    }

    /** Why uids are trusted (for the start-up warning); null in token mode. */
    public String trustReason() {
        return trustReason;
    }
}
