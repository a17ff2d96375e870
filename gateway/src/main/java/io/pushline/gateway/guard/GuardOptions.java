package io.pushline.gateway.guard;

import io.pushline.common.net.CidrSet;
import picocli.CommandLine.Option;

/** Who may connect to the gateway and how: Origin allow-list, connection limits, client IP sources, TLS. */
public final class GuardOptions {

    /** A bound rather than "unlimited": about 2 GiB of heap and file descriptors at ~20 KiB per connection. */
    public static final int DEFAULT_MAX_CONNECTIONS = 100_000;

    @Option(names = "--allowed-origins", paramLabel = "ORIGINS", defaultValue = "${env:PUSHLINE_ALLOWED_ORIGINS:-*}",
            description = "Comma-separated exact Origins allowed to open WebSockets (https://app.example.com); others "
                    + "get HTTP 403. * allows any; requests without Origin (non-browsers) are allowed. "
                    + "Env: PUSHLINE_ALLOWED_ORIGINS. Default: ${DEFAULT-VALUE}.")
    String allowedOrigins;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "${env:PUSHLINE_MAX_CONNECTIONS:-" + DEFAULT_MAX_CONNECTIONS + "}",
            description = "Open WebSockets this node accepts; more get HTTP 503 (0: no limit). "
                    + "Env: PUSHLINE_MAX_CONNECTIONS. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    @Option(names = "--max-connections-per-ip", paramLabel = "N", defaultValue = "${env:PUSHLINE_MAX_CONNECTIONS_PER_IP:-0}",
            description = "Open WebSockets per client IP; more get HTTP 429 (0: no limit). "
                    + "Env: PUSHLINE_MAX_CONNECTIONS_PER_IP. Default: ${DEFAULT-VALUE}.")
    int maxConnectionsPerIp;

    @Option(names = "--max-new-connections-per-second-per-ip", paramLabel = "N",
            defaultValue = "${env:PUSHLINE_MAX_NEW_CONNECTIONS_PER_SECOND_PER_IP:-0}",
            description = "WebSocket handshakes per second per client IP; more get HTTP 429 (0: no limit). "
                    + "Env: PUSHLINE_MAX_NEW_CONNECTIONS_PER_SECOND_PER_IP. Default: ${DEFAULT-VALUE}.")
    int maxNewConnectionsPerSecondPerIp;

    @Option(names = "--trusted-proxies", paramLabel = "CIDRS", defaultValue = "${env:PUSHLINE_TRUSTED_PROXIES:-}",
            description = "Comma-separated CIDRs of load balancers whose X-Forwarded-For is believed (the right-most "
                    + "address not in this list is the client). Env: PUSHLINE_TRUSTED_PROXIES. Default: none.")
    String trustedProxies;

    @Option(names = "--proxy-protocol", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
            defaultValue = "${env:PUSHLINE_PROXY_PROTOCOL:-false}",
            description = "Every connection starts with a PROXY protocol v1/v2 header (HAProxy, AWS NLB) giving the "
                    + "client address; connections without one are dropped. Env: PUSHLINE_PROXY_PROTOCOL. Default: ${DEFAULT-VALUE}.")
    boolean proxyProtocol;

    @Option(names = "--tls-cert", paramLabel = "PEM_FILE", defaultValue = "${env:PUSHLINE_TLS_CERT}",
            description = "Certificate chain (PEM) for wss://; with --tls-key. Env: PUSHLINE_TLS_CERT. Default: unset (ws://).")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM_FILE", defaultValue = "${env:PUSHLINE_TLS_KEY}",
            description = "Private key (PKCS#8 PEM) of --tls-cert. Env: PUSHLINE_TLS_KEY. Default: unset.")
    String tlsKey;

    private CidrSet proxies = CidrSet.NONE;

    public GuardOptions() {
    }

    public static GuardOptions defaults() {
        GuardOptions o = new GuardOptions();
        o.allowedOrigins = "*";
        o.maxConnections = DEFAULT_MAX_CONNECTIONS;
        o.trustedProxies = "";
        return o;
    }

    /** @throws IllegalArgumentException naming the flag and variable that is wrong */
    public GuardOptions validate() {
        nonNegative(maxConnections, "--max-connections (PUSHLINE_MAX_CONNECTIONS)");
        nonNegative(maxConnectionsPerIp, "--max-connections-per-ip (PUSHLINE_MAX_CONNECTIONS_PER_IP)");
        nonNegative(maxNewConnectionsPerSecondPerIp,
                "--max-new-connections-per-second-per-ip (PUSHLINE_MAX_NEW_CONNECTIONS_PER_SECOND_PER_IP)");
        OriginPolicy.parse(allowedOrigins);
        try {
            proxies = CidrSet.parse(trustedProxies, CidrSet.NONE);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--trusted-proxies (PUSHLINE_TRUSTED_PROXIES): " + e.getMessage(), e);
        }
        return this;
    }

    private static void nonNegative(int value, String option) {
        if (value < 0) {
            throw new IllegalArgumentException(option + " must be 0 (off) or positive, got " + value);
        }
    }

    public GuardOptions withAllowedOrigins(String origins) { this.allowedOrigins = origins; return this; }
    public GuardOptions withMaxConnections(int n) { this.maxConnections = n; return this; }
    public GuardOptions withMaxConnectionsPerIp(int n) { this.maxConnectionsPerIp = n; return this; }
    public GuardOptions withMaxNewConnectionsPerSecondPerIp(int n) { this.maxNewConnectionsPerSecondPerIp = n; return this; }
    public GuardOptions withTrustedProxies(String cidrs) { this.trustedProxies = cidrs; return this; }
    public GuardOptions withProxyProtocol(boolean on) { this.proxyProtocol = on; return this; }
    public GuardOptions withTls(String certFile, String keyFile) { this.tlsCert = certFile; this.tlsKey = keyFile; return this; }

    String allowedOrigins() { return allowedOrigins; }
    int maxConnections() { return maxConnections; }
    int maxConnectionsPerIp() { return maxConnectionsPerIp; }
    int maxNewConnectionsPerSecondPerIp() { return maxNewConnectionsPerSecondPerIp; }
    CidrSet trustedProxies() { return proxies; }
    boolean proxyProtocol() { return proxyProtocol; }
    String tlsCert() { return tlsCert; }
    String tlsKey() { return tlsKey; }
}
