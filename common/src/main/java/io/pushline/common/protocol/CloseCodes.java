package io.pushline.common.protocol;

/**
 * WebSocket close codes the gateway sends, besides the RFC 6455 ones Netty sends for protocol errors
 * (1002 protocol error, 1007 invalid UTF-8, 1009 frame too big).
 *
 * <p>The 4000 range is application-defined. A client should reconnect (with back-off) after
 * {@link #GOING_AWAY} and {@link #SLOW_CONSUMER}, and should not reconnect with the same identity after
 * {@link #INVALID_UID} or {@link #UID_TIMEOUT}: it would be refused again. After {@link #INVALID_TOKEN} and
 * {@link #TOKEN_EXPIRED} it should get a fresh token from its backend before reconnecting.
 */
public final class CloseCodes {

    /** The gateway is shutting down (RFC 6455): reconnect, the load balancer picks another node. */
    public static final int GOING_AWAY = 1001;
    /** The uid sent as first frame or {@code ?uid=} does not follow the uid syntax. */
    public static final int INVALID_UID = 4400;
    /**
     * Tokens are on and the token sent as first frame was refused: bad signature, algorithm not allowed, expired,
     * wrong audience or issuer, or a uid claim outside the uid syntax. ({@code ?token=} is refused with HTTP 401.)
     */
    public static final int INVALID_TOKEN = 4401;
    /**
     * The connection's token expired, the grace period passed, and the page sent no fresh token for the same uid.
     */
    public static final int TOKEN_EXPIRED = 4403;
    /** No uid arrived within the configured time after the handshake. */
    public static final int UID_TIMEOUT = 4408;
    /** The client read too slowly: its outbound buffer passed the limit and the gateway dropped it. */
    public static final int SLOW_CONSUMER = 4429;

    private CloseCodes() {
    }
}
