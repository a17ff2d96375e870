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

    @Option(names = "--max-in-flight", paramLabel = "LINES", defaultValue = "${env:PUSHLINE_MAX_IN_FLIGHT:-" + DEFAULT_MAX_IN_FLIGHT + "}",
            description = "Lines one connection may have awaiting their reply; past it the ingest stops reading that "
                    + "connection until replies catch up. Env: PUSHLINE_MAX_IN_FLIGHT. Default: ${DEFAULT-VALUE}.")
    int maxInFlight;

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
        return o.validate();
    }

    public IngestOptions validate() {
        PortOption.check(port, "--ingest-port", "PUSHLINE_INGEST_PORT");
        PortOption.checkPositive(maxLineLength, "--max-line-length", "PUSHLINE_MAX_LINE_LENGTH");
        PortOption.checkPositive(maxInFlight, "--max-in-flight", "PUSHLINE_MAX_IN_FLIGHT");
        PortOption.checkPositive(maxConnections, "--ingest-max-connections", "PUSHLINE_INGEST_MAX_CONNECTIONS");
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
    public IngestGuardOptions guard() { return guard; }

    public IngestOptions withMaxLineLength(int bytes) { this.maxLineLength = bytes; return this; }
    public IngestOptions withPartialLineTimeout(Duration d) { this.partialLineTimeout = d; return this; }
    public IngestOptions withMaxInFlight(int lines) { this.maxInFlight = lines; return this; }
    public IngestOptions withMaxConnections(int count) { this.maxConnections = count; return this; }
    public IngestOptions withGuard(IngestGuardOptions g) { this.guard = g; return validate(); }
}
