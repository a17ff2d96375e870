package io.pushline.gateway.session;

/**
 * A user event: this connection proved its uid (a valid token), so the session binds it as is. Fired by the
 * identity handler in token mode, which is then the only way a uid binds.
 */
public record VerifiedUid(String uid) {
}
