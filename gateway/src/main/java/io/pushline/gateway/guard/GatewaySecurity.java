package io.pushline.gateway.guard;

import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.pushline.common.net.Loopback;
import io.pushline.common.net.TlsContexts;
import io.pushline.gateway.auth.IdentityPolicy;
import io.pushline.gateway.auth.TokenSessionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's security, built once at start and added to each connection's pipeline: PROXY protocol and TLS in
 * front of HTTP, the {@link HandshakeGuard} after the HTTP aggregator, and in token mode the
 * {@link TokenSessionHandler} in front of the session. Says at start, in one WARN line each, when uids are trusted
 * and when any origin may connect to a trusting gateway that other machines reach.
 */
public final class GatewaySecurity {

    private static final Logger log = LoggerFactory.getLogger(GatewaySecurity.class);

    /** Pipeline names this class adds after and before; GatewayInitializer must keep them. */
    public static final String AGGREGATOR = "aggregator";
    public static final String SESSION = "session";
    /** Removed at the upgrade with the other HTTP-only handlers: an idle page keeps no context for it. */
    public static final String HANDSHAKE_GUARD = "handshake-guard";

    private final IdentityPolicy identity;
    private final GuardOptions options;
    private final SecurityStats stats = new SecurityStats();
    private final HandshakeGuard handshakeGuard;
    private final SslContext tls;

    /**
     * @throws IllegalArgumentException  for inconsistent settings (a TLS certificate without its key)
     * @throws io.pushline.common.config.StartupException when the TLS files cannot be loaded
     */
    public GatewaySecurity(IdentityPolicy identity, GuardOptions options, String wsHost) {
        this.identity = identity;
        this.options = options.validate();
        OriginPolicy origins = OriginPolicy.parse(options.allowedOrigins());
        ConnectionLimits limits = new ConnectionLimits(options.maxConnections(), options.maxConnectionsPerIp(),
                options.maxNewConnectionsPerSecondPerIp(), System::currentTimeMillis);
        this.handshakeGuard = new HandshakeGuard(origins, limits, options.trustedProxies(), identity, stats);
        this.tls = TlsContexts.forServer(options.tlsCert(), options.tlsKey(), "--tls-cert (PUSHLINE_TLS_CERT)",
                "--tls-key (PUSHLINE_TLS_KEY)", "WebSockets");
        if (identity.trustsUid()) {
            log.warn("pushline-gateway: uids are trusted as pages send them, unverified (any page can claim any uid), "
                    + "because {}; set PUSHLINE_JWT_SECRET or PUSHLINE_JWT_PUBLIC_KEY to require signed tokens", identity.trustReason());
            if (origins.allowsAny() && !Loopback.isLoopback(wsHost)) {
                log.warn("pushline-gateway: any web origin may open WebSockets on {} with trusted uids; "
                        + "set --allowed-origins (PUSHLINE_ALLOWED_ORIGINS) to your sites", wsHost);
            }
        }
    }

    /** Adds this connection's security handlers around the pipeline GatewayInitializer built. */
    public void install(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        if (tls != null) {
            p.addFirst("tls", tls.newHandler(ch.alloc()));
        }
        if (options.proxyProtocol()) {
            // The PROXY header comes before any TLS byte, so these go in front of everything.
            p.addFirst("proxy-protocol", new ProxyProtocolHandler());
            p.addFirst("proxy-protocol-decoder", new HAProxyMessageDecoder());
        }
        p.addAfter(AGGREGATOR, HANDSHAKE_GUARD, handshakeGuard);
        if (!identity.trustsUid()) {
            p.addBefore(SESSION, "identity", new TokenSessionHandler(identity, stats));
        }
    }

    public IdentityPolicy identity() {
        return identity;
    }

    public SecurityStats stats() {
        return stats;
    }

    public boolean tls() {
        return tls != null;
    }
}
