package io.pushline.ingest.guard;

import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.pushline.common.net.TlsContexts;

/**
 * The ingest's guard, built once at start and added to each connection's pipeline: the address allow-list and
 * TLS in front of everything, the {@code AUTH} line and the rate limit between line framing and the push handler.
 */
public final class IngestGuard {

    /** Pipeline name of the push handler, which the line guards go in front of; IngestInitializer must keep it. */
    public static final String PUSH = "push";

    private final IngestGuardOptions options;
    private final IngestGuardStats stats = new IngestGuardStats();
    private final AddressAllowList allowList;
    private final SslContext tls;

    /**
     * @throws IllegalArgumentException for inconsistent settings
     * @throws io.pushline.common.config.StartupException when the TLS files cannot be loaded
     */
    public IngestGuard(IngestGuardOptions options) {
        this.options = options.validate();
        this.allowList = options.allowed().isAny() ? null : new AddressAllowList(options.allowed(), stats);
        this.tls = TlsContexts.forServer(options.tlsCert(), options.tlsKey(), "--ingest-tls-cert (PUSHLINE_INGEST_TLS_CERT)",
                "--ingest-tls-key (PUSHLINE_INGEST_TLS_KEY)", "ingest lines");
    }

    public void install(SocketChannel ch) {
        ChannelPipeline p = ch.pipeline();
        if (tls != null) {
            p.addFirst("tls", tls.newHandler(ch.alloc()));
        }
        if (allowList != null) {
            p.addFirst("allow-list", allowList);
        }
        if (options.secretBytes() != null) {
            p.addBefore(PUSH, "auth", new AuthLineHandler(options.secretBytes(), options.authTimeout(), stats));
        }
        if (options.rateLimit() > 0) {
            p.addBefore(PUSH, "rate-limit", new LineRateLimiter(options.rateLimit(), stats));
        }
    }

    /** For the start-up line: what protects this ingest. */
    public String describe() {
        return (tls != null ? "tls" : "plain tcp") + ", allow " + options.allowed()
                + (options.secretBytes() != null ? ", AUTH secret" : ", no secret")
                + (options.rateLimit() > 0 ? ", " + options.rateLimit() + " lines/s per connection" : "");
    }

    public IngestGuardStats stats() {
        return stats;
    }
}
