package io.pushline.gateway;

import io.pushline.common.config.DurationConverter;
import io.pushline.common.config.PortOption;
import io.pushline.common.protocol.Uid;
import io.pushline.gateway.auth.AuthOptions;
import io.pushline.gateway.auth.IdentityPolicy;
import io.pushline.gateway.guard.GuardOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/** The gateway's settings; each is a flag and a {@code PUSHLINE_*} variable with a default matching the seed. */
public final class GatewayOptions {

    /** Loopback, so the default start (trusted uids, no token key) is not reachable from other machines. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 1234;
    public static final int DEFAULT_MAX_FRAME_SIZE = 65_536;
    public static final Duration DEFAULT_UID_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_OUTBOUND_BUFFER = 262_144;
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(25);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--ws-host", paramLabel = "HOST", defaultValue = "${env:PUSHLINE_WS_HOST:-" + DEFAULT_HOST + "}",
            description = "Address the WebSocket listener binds; 0.0.0.0 exposes it to the network and then needs a "
                    + "token key or --trust-uid. Env: PUSHLINE_WS_HOST. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--ws-port", paramLabel = "PORT", defaultValue = "${env:PUSHLINE_WS_PORT:-" + DEFAULT_PORT + "}",
            description = "WebSocket port (0: any free port). Env: PUSHLINE_WS_PORT. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--node-id", paramLabel = "ID", defaultValue = "${env:PUSHLINE_NODE_ID:-}",
            description = "This gateway's identity in Redis presence; keep it stable across restarts of one node. "
                    + "Env: PUSHLINE_NODE_ID. Default: <hostname>:<ws-port>.")
    String nodeId;

    @Option(names = "--max-frame-size", paramLabel = "BYTES", defaultValue = "${env:PUSHLINE_MAX_FRAME_SIZE:-" + DEFAULT_MAX_FRAME_SIZE + "}",
            description = "Largest WebSocket frame accepted from a browser; larger closes with 1009. "
                    + "Env: PUSHLINE_MAX_FRAME_SIZE. Default: ${DEFAULT-VALUE}.")
    int maxFrameSize;

    @Option(names = "--uid-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:PUSHLINE_UID_TIMEOUT:-10s}",
            description = "How long a connection may stay open without sending its uid; then it is closed with 4408. "
                    + "Env: PUSHLINE_UID_TIMEOUT. Default: ${DEFAULT-VALUE}.")
    Duration uidTimeout;

    @Option(names = "--handshake-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:PUSHLINE_HANDSHAKE_TIMEOUT:-10s}",
            description = "How long a connection may take, from its connect, to complete its WebSocket upgrade (TLS and plain "
                    + "HTTP requests included); then it is closed. Env: PUSHLINE_HANDSHAKE_TIMEOUT. Default: ${DEFAULT-VALUE}.")
    Duration handshakeTimeout;

    @Option(names = "--max-outbound-buffer", paramLabel = "BYTES",
            defaultValue = "${env:PUSHLINE_MAX_OUTBOUND_BUFFER:-" + DEFAULT_MAX_OUTBOUND_BUFFER + "}",
            description = "Bytes queued for one browser that reads too slowly before it is closed with 4429. "
                    + "Env: PUSHLINE_MAX_OUTBOUND_BUFFER. Default: ${DEFAULT-VALUE}.")
    int maxOutboundBuffer;

    @Option(names = "--ping-interval", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:PUSHLINE_PING_INTERVAL:-25s}",
            description = "A connection that sent nothing this long gets a WebSocket ping, however many pushes it "
                    + "receives; keeps proxies from dropping idle connections. Env: PUSHLINE_PING_INTERVAL. "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration pingInterval;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:PUSHLINE_IDLE_TIMEOUT:-60s}",
            description = "A connection that sent nothing (pongs included) this long is closed, and its uid goes "
                    + "offline; checked every --ping-interval, so at most one interval later. Must exceed "
                    + "--ping-interval. Env: PUSHLINE_IDLE_TIMEOUT. Default: ${DEFAULT-VALUE}.")
    Duration idleTimeout;

    /** Identity: token key and checks, or trusted uids. */
    @Mixin
    AuthOptions auth = AuthOptions.defaults();
    /** Origin allow-list, connection limits, client IP sources, TLS. */
    @Mixin
    GuardOptions guard = GuardOptions.defaults();
    private IdentityPolicy identity;

    public GatewayOptions() {
    }

    /** Options built in code (tests, embedding), with the defaults for everything but the listener. */
    public static GatewayOptions of(String host, int port) {
        GatewayOptions o = new GatewayOptions();
        o.host = host;
        o.port = port;
        o.nodeId = "";
        o.maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        o.uidTimeout = DEFAULT_UID_TIMEOUT;
        o.handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        o.maxOutboundBuffer = DEFAULT_MAX_OUTBOUND_BUFFER;
        o.pingInterval = DEFAULT_PING_INTERVAL;
        o.idleTimeout = DEFAULT_IDLE_TIMEOUT;
        return o.validate();
    }

    public GatewayOptions validate() {
        PortOption.check(port, "--ws-port", "PUSHLINE_WS_PORT");
        PortOption.checkPositive(maxFrameSize, "--max-frame-size", "PUSHLINE_MAX_FRAME_SIZE");
        PortOption.checkPositive(maxOutboundBuffer, "--max-outbound-buffer", "PUSHLINE_MAX_OUTBOUND_BUFFER");
        if (uidTimeout.isZero() || uidTimeout.isNegative()) {
            throw new IllegalArgumentException("--uid-timeout (PUSHLINE_UID_TIMEOUT) must be positive");
        }
        if (handshakeTimeout.isZero() || handshakeTimeout.isNegative()) {
            throw new IllegalArgumentException("--handshake-timeout (PUSHLINE_HANDSHAKE_TIMEOUT) must be positive");
        }
        if (pingInterval.isZero() || pingInterval.isNegative() || idleTimeout.compareTo(pingInterval) <= 0) {
            throw new IllegalArgumentException("--idle-timeout (PUSHLINE_IDLE_TIMEOUT, " + DurationConverter.format(idleTimeout)
                    + ") must exceed a positive --ping-interval (PUSHLINE_PING_INTERVAL, " + DurationConverter.format(pingInterval)
                    + "), or every healthy connection would be closed before it is pinged");
        }
        if (nodeId == null || nodeId.isBlank()) {
            nodeId = hostname() + ":" + (port == 0 ? "0-" + ProcessHandle.current().pid() : Integer.toString(port));
        }
        // The node id is a hash tag in Redis names, like a uid: the same syntax keeps it from breaking out.
        if (!Uid.isValid(nodeId)) {
            throw new IllegalArgumentException("--node-id (PUSHLINE_NODE_ID) must be " + Uid.describe() + ", got '" + nodeId + "'");
        }
        identity = auth.policy(host);
        guard.validate();
        return this;
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "gateway";
        }
    }

    public String host() { return host; }
    public int port() { return port; }
    public String nodeId() { return nodeId; }
    public int maxFrameSize() { return maxFrameSize; }
    public Duration uidTimeout() { return uidTimeout; }
    public Duration handshakeTimeout() { return handshakeTimeout; }
    public int maxOutboundBuffer() { return maxOutboundBuffer; }
    public Duration pingInterval() { return pingInterval; }
    public Duration idleTimeout() { return idleTimeout; }
    /** Valid after {@link #validate()}. */
    public IdentityPolicy identity() { return identity; }
    public GuardOptions guard() { return guard; }

    public GatewayOptions withNodeId(String id) { this.nodeId = id; return this; }
    public GatewayOptions withUidTimeout(Duration d) { this.uidTimeout = d; return this; }
    public GatewayOptions withHandshakeTimeout(Duration d) { this.handshakeTimeout = d; return validate(); }
    public GatewayOptions withMaxOutboundBuffer(int bytes) { this.maxOutboundBuffer = bytes; return this; }
    public GatewayOptions withHeartbeat(Duration ping, Duration idle) { this.pingInterval = ping; this.idleTimeout = idle; return validate(); }
    public GatewayOptions withAuth(AuthOptions a) { this.auth = a; return validate(); }
    public GatewayOptions withGuard(GuardOptions g) { this.guard = g; return validate(); }
}
