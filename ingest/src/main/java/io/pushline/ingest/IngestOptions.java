package io.pushline.ingest;

import io.pushline.common.config.DurationConverter;
import io.pushline.common.config.PortOption;
import io.pushline.ingest.guard.IngestGuardOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;

/** The ingest's settings; each is a flag and a {@code PUSHLINE_*} variable. */
public final class IngestOptions {

    /** Loopback by default: whoever reaches this port can push to anyone. Bind elsewhere on purpose. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 5678;
    public static final int DEFAULT_MAX_LINE_LENGTH = 65_536;
    public static final int DEFAULT_MAX_IN_FLIGHT = 1_024;
    public static final Duration DEFAULT_PARTIAL_LINE_TIMEOUT = Duration.ofSeconds(60);
    public static final int DEFAULT_MAX_CONNECTIONS = 4_096;
    /**
     * 16 MiB: a line naming the 1,000 uids a line may name is already 7 to 15 KB of uid list, so this lets such a line
     * through with a few KB of payload, and refuses the line of 64 KiB to 1,000 uids (64 MB of publishes; ten of them
     * made Redis drop the gateways' pub/sub connections at its 32 MB output limit). 1 MiB would refuse every line of
     * more than about 300 uids.
     */
    public static final long DEFAULT_MAX_FANOUT_BYTES = 16_777_216;
    /**
     * Per event loop, which has one Redis connection: 2 commands per publish, so 16,384 of the 65,536 commands Lettuce
     * queues per connection before it refuses them.
     */
    public static final int DEFAULT_MAX_PENDING_PUBLISHES = 8_192;
    /** 64 MiB per process: the ingest's memory for lines awaiting Redis, whatever the connections and Redis do. */
    public static final long DEFAULT_MAX_PENDING_BYTES = 67_108_864;

    @Option(names = "--ingest-host", paramLabel = "HOST", defaultValue = "${env:PUSHLINE_INGEST_HOST:-" + DEFAULT_HOST + "}",
            description = "Address the ingest binds; 0.0.0.0 exposes it to the network. Env: PUSHLINE_INGEST_HOST. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--ingest-port", paramLabel = "PORT", defaultValue = "${env:PUSHLINE_INGEST_PORT:-" + DEFAULT_PORT + "}",
            description = "Ingest port (0: any free port). Env: PUSHLINE_INGEST_PORT. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--max-line-length", paramLabel = "BYTES", defaultValue = "${env:PUSHLINE_MAX_LINE_LENGTH:-" + DEFAULT_MAX_LINE_LENGTH + "}",
            description = "Longest accepted line, without its line ending. A longer one is discarded up to its newline "
                    + "and answered fail. Env: PUSHLINE_MAX_LINE_LENGTH. Default: ${DEFAULT-VALUE}.")
    int maxLineLength;

    @Option(names = "--max-in-flight", paramLabel = "PUBLISHES", defaultValue = "${env:PUSHLINE_MAX_IN_FLIGHT:-" + DEFAULT_MAX_IN_FLIGHT + "}",
            description = "Publishes (one per target uid of a line, one for a broadcast) one connection may have awaiting "
                    + "Redis; at this many, or this many lines awaiting their reply, the ingest stops reading that connection "
                    + "until half are answered. Env: PUSHLINE_MAX_IN_FLIGHT. Default: ${DEFAULT-VALUE}.")
    int maxInFlight;

    @Option(names = "--max-fanout-bytes", paramLabel = "BYTES", defaultValue = "${env:PUSHLINE_MAX_FANOUT_BYTES:-" + DEFAULT_MAX_FANOUT_BYTES + "}",
            description = "Most bytes one line may cost Redis: its length times its target uids. A line over it is answered "
                    + "fail at once and nothing of it is published. Env: PUSHLINE_MAX_FANOUT_BYTES. Default: ${DEFAULT-VALUE}.")
    long maxFanoutBytes;

    @Option(names = "--ingest-max-pending-publishes", paramLabel = "PUBLISHES",
            defaultValue = "${env:PUSHLINE_INGEST_MAX_PENDING_PUBLISHES:-" + DEFAULT_MAX_PENDING_PUBLISHES + "}",
            description = "Publishes one event loop (one Redis connection) may have awaiting Redis, for all its connections; "
                    + "past it the connections with more lines are not read until answers free some. "
                    + "Env: PUSHLINE_INGEST_MAX_PENDING_PUBLISHES. Default: ${DEFAULT-VALUE}.")
    int maxPendingPublishes;

    @Option(names = "--ingest-max-pending-bytes", paramLabel = "BYTES",
            defaultValue = "${env:PUSHLINE_INGEST_MAX_PENDING_BYTES:-" + DEFAULT_MAX_PENDING_BYTES + "}",
            description = "Bytes of publishes (a line's length per target) the whole ingest may have awaiting Redis, shared "
                    + "evenly by its event loops; past a loop's share its connections with more lines are not read. "
                    + "Env: PUSHLINE_INGEST_MAX_PENDING_BYTES. Default: ${DEFAULT-VALUE}.")
    long maxPendingBytes;

    @Option(names = "--partial-line-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:PUSHLINE_PARTIAL_LINE_TIMEOUT:-60s}",
            description = "A connection that sent part of a line and then nothing for this long is closed (an idle "
                    + "connection between lines is kept). Env: PUSHLINE_PARTIAL_LINE_TIMEOUT. Default: ${DEFAULT-VALUE}.")
    Duration partialLineTimeout;

    @Option(names = "--ingest-max-connections", paramLabel = "COUNT",
            defaultValue = "${env:PUSHLINE_INGEST_MAX_CONNECTIONS:-" + DEFAULT_MAX_CONNECTIONS + "}",
            description = "Connections the ingest holds at once; one more is answered fail and closed. "
                    + "Env: PUSHLINE_INGEST_MAX_CONNECTIONS. Default: ${DEFAULT-VALUE}.")
    int maxConnections;

    /** Shared secret, address allow-list, rate limit, TLS. */
    @Mixin
    IngestGuardOptions guard = IngestGuardOptions.defaults();

    public IngestOptions() {
    }

    public static IngestOptions of(String host, int port) {
        IngestOptions o = new IngestOptions();
        o.host = host;
        o.port = port;
        o.maxLineLength = DEFAULT_MAX_LINE_LENGTH;
        o.maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        o.partialLineTimeout = DEFAULT_PARTIAL_LINE_TIMEOUT;
        o.maxConnections = DEFAULT_MAX_CONNECTIONS;
        o.maxFanoutBytes = DEFAULT_MAX_FANOUT_BYTES;
        o.maxPendingPublishes = DEFAULT_MAX_PENDING_PUBLISHES;
        o.maxPendingBytes = DEFAULT_MAX_PENDING_BYTES;
        return o.validate();
    }

    public IngestOptions validate() {
        PortOption.check(port, "--ingest-port", "PUSHLINE_INGEST_PORT");
        PortOption.checkPositive(maxLineLength, "--max-line-length", "PUSHLINE_MAX_LINE_LENGTH");
        PortOption.checkPositive(maxInFlight, "--max-in-flight", "PUSHLINE_MAX_IN_FLIGHT");
        PortOption.checkPositive(maxConnections, "--ingest-max-connections", "PUSHLINE_INGEST_MAX_CONNECTIONS");
        PortOption.checkPositive(maxPendingPublishes, "--ingest-max-pending-publishes", "PUSHLINE_INGEST_MAX_PENDING_PUBLISHES");
        if (maxFanoutBytes <= 0) {
            throw new IllegalArgumentException("--max-fanout-bytes (PUSHLINE_MAX_FANOUT_BYTES) must be positive, got " + maxFanoutBytes);
        }
        if (maxPendingBytes < maxFanoutBytes) {
            throw new IllegalArgumentException("--ingest-max-pending-bytes (PUSHLINE_INGEST_MAX_PENDING_BYTES) must be at least "
                    + "--max-fanout-bytes (" + maxFanoutBytes + "), got " + maxPendingBytes);
        }
        if (partialLineTimeout.isZero() || partialLineTimeout.isNegative()) {
            throw new IllegalArgumentException("--partial-line-timeout (PUSHLINE_PARTIAL_LINE_TIMEOUT) must be positive");
        }
        guard.validate();
        return this;
    }

    public String host() { return host; }
    public int port() { return port; }
    public int maxLineLength() { return maxLineLength; }
    public int maxInFlight() { return maxInFlight; }
    public Duration partialLineTimeout() { return partialLineTimeout; }
    public int maxConnections() { return maxConnections; }
    public long maxFanoutBytes() { return maxFanoutBytes; }
    public int maxPendingPublishes() { return maxPendingPublishes; }
    public long maxPendingBytes() { return maxPendingBytes; }
    public IngestGuardOptions guard() { return guard; }

    public IngestOptions withMaxLineLength(int bytes) { this.maxLineLength = bytes; return this; }
    public IngestOptions withPartialLineTimeout(Duration d) { this.partialLineTimeout = d; return this; }
    public IngestOptions withMaxInFlight(int lines) { this.maxInFlight = lines; return this; }
    public IngestOptions withMaxConnections(int count) { this.maxConnections = count; return this; }
    public IngestOptions withMaxFanoutBytes(long bytes) { this.maxFanoutBytes = bytes; return this; }
    public IngestOptions withMaxPendingPublishes(int publishes) { this.maxPendingPublishes = publishes; return this; }
    public IngestOptions withMaxPendingBytes(long bytes) { this.maxPendingBytes = bytes; return this; }
    public IngestOptions withGuard(IngestGuardOptions g) { this.guard = g; return validate(); }
}
