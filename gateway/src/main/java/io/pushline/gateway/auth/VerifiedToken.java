package io.pushline.gateway.auth;

import io.netty.util.AttributeKey;

import java.time.Instant;

/** A token that passed every check: the uid it grants and until when. */
public record VerifiedToken(String uid, Instant expiresAt) {

    /** Where the handshake guard leaves a {@code ?token=} it verified, for the session to bind. */
    public static final AttributeKey<VerifiedToken> HANDSHAKE = AttributeKey.valueOf("pushline.handshake-token");
}
