package io.pushline.gateway;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.pushline.gateway.guard.GatewaySecurity;
import io.pushline.gateway.http.HttpRequestHandler;
import io.pushline.gateway.http.StaticResources;
import io.pushline.gateway.session.LocalSessions;
import io.pushline.gateway.session.SessionHandler;

/**
 * One browser connection's pipeline, top to bottom: HTTP codec, a bounded aggregator (a handshake has no body),
 * plain-HTTP answers, the RFC 6455 protocol (handshake, control frames, frame limits, UTF-8 validation, close codes;
 * no pong for a ping while the outbound buffer is full),
 * then the session (the deadline for the upgrade, uid binding, no reading while the outbound buffer is full; it
 * records when the page last sent a frame, for the {@link io.pushline.gateway.session.HeartbeatSweep heartbeat}).
 * The plain-HTTP handler is removed at the upgrade, so an idle WebSocket holds as few handlers as possible.
 * {@link GatewaySecurity} adds its handlers around these by name (PROXY protocol, TLS, the handshake guard,
 * the token identity).
 */
final class GatewayInitializer extends ChannelInitializer<SocketChannel> {

    static final int MAX_INITIAL_LINE = 4_096;
    static final int MAX_HEADER_SIZE = 8_192;
    static final int MAX_HTTP_BODY = 8_192;

    private final GatewayOptions options;
    private final LocalSessions sessions;
    private final WebSocketServerProtocolConfig webSocket;
    private final GatewaySecurity security;
    /** Shared by every connection; made here so the static files are read once, when the gateway starts. */
    private final HttpRequestHandler httpHandler = new HttpRequestHandler(StaticResources.load());

    GatewayInitializer(GatewayOptions options, LocalSessions sessions, GatewaySecurity security) {
        this.options = options;
        this.sessions = sessions;
        this.security = security;
        this.webSocket = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .checkStartsWith(true)
                .handshakeTimeoutMillis(options.handshakeTimeout().toMillis())
                .dropPongFrames(false) // the session records them: a pong is how a listening page proves it is there
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        .maxFramePayloadLength(options.maxFrameSize())
                        .allowExtensions(false) // no permessage-deflate: no inflate bomb, no per-connection zlib state
                        .withUTF8Validator(true)
                        .closeOnProtocolViolation(true)
                        .build())
                .build();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline()
                .addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_HEADER_SIZE))
                .addLast(GatewaySecurity.AGGREGATOR, new HttpObjectAggregator(MAX_HTTP_BODY))
                .addLast(SessionHandler.HTTP_HANDLER_NAME, httpHandler)
                .addLast("websocket", new BoundedWebSocketProtocolHandler(webSocket))
                .addLast(GatewaySecurity.SESSION, new SessionHandler(sessions, options.uidTimeout(), options.handshakeTimeout(),
                        security.identity().trustsUid()));
        security.install(ch);
    }
}
