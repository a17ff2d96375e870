package io.pushline.ingest.guard;

import io.pushline.common.config.SecretOption;
import io.pushline.common.net.CidrSet;
import io.pushline.common.config.DurationConverter;
import picocli.CommandLine.Option;

import java.time.Duration;

/** Who may push to the ingest: shared secret, address allow-list, per-connection rate limit, TLS. */
public final class IngestGuardOptions {

    public static final Duration DEFAULT_AUTH_TIMEOUT = Duration.ofSeconds(10);

    @Option(names = "--ingest-secret", paramLabel = "SECRET", defaultValue = "${env:PUSHLINE_INGEST_SECRET}",
            description = "Shared secret: each connection's first line must be 'AUTH <secret>' (answered ok), else "
                    + "fail and close. Env: PUSHLINE_INGEST_SECRET. Default: unset (no AUTH line).")
    String secret;

    @Option(names = "--ingest-secret-file", paramLabel = "FILE", defaultValue = "${env:PUSHLINE_INGEST_SECRET_FILE}",
            description = "File holding the ingest secret (one trailing newline ignored). Env: PUSHLINE_INGEST_SECRET_FILE. Default: unset.")
    String secretFile;

    @Option(names = "--ingest-allow", paramLabel = "CIDRS", defaultValue = "${env:PUSHLINE_INGEST_ALLOW:-*}",
            description = "Comma-separated CIDRs (IPv4, IPv6) that may connect; others are closed on accept. "
                    + "Env: PUSHLINE_INGEST_ALLOW. Default: ${DEFAULT-VALUE} (any).")
    String allow;

    @Option(names = "--ingest-rate-limit", paramLabel = "LINES", defaultValue = "${env:PUSHLINE_INGEST_RATE_LIMIT:-0}",
            description = "Lines per second one connection may push; more are answered fail at once (0: no limit). "
                    + "Env: PUSHLINE_INGEST_RATE_LIMIT. Default: ${DEFAULT-VALUE}.")
    int rateLimit;

    @Option(names = "--ingest-tls-cert", paramLabel = "PEM_FILE", defaultValue = "${env:PUSHLINE_INGEST_TLS_CERT}",
            description = "Certificate chain (PEM) for TLS on the ingest; with --ingest-tls-key. Env: PUSHLINE_INGEST_TLS_CERT. Default: unset.")
    String tlsCert;

    @Option(names = "--ingest-tls-key", paramLabel = "PEM_FILE", defaultValue = "${env:PUSHLINE_INGEST_TLS_KEY}",
            description = "Private key (PKCS#8 PEM) of --ingest-tls-cert. Env: PUSHLINE_INGEST_TLS_KEY. Default: unset.")
    String tlsKey;

    @Option(names = "--ingest-auth-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "${env:PUSHLINE_INGEST_AUTH_TIMEOUT:-10s}",
            description = "With --ingest-secret: a connection without a valid AUTH line this long after it opened is "
                    + "answered fail and closed, so unauthenticated connections cannot hold slots. "
                    + "Env: PUSHLINE_INGEST_AUTH_TIMEOUT. Default: ${DEFAULT-VALUE}.")
    Duration authTimeout;

    private byte[] secretBytes;
    private CidrSet allowed = CidrSet.ANY;

    public IngestGuardOptions() {
    }

    public static IngestGuardOptions defaults() {
        IngestGuardOptions o = new IngestGuardOptions();
        o.allow = "*";
        o.authTimeout = DEFAULT_AUTH_TIMEOUT;
        return o;
    }

    /** @throws IllegalArgumentException naming the flag and variable that is wrong */
    public IngestGuardOptions validate() {
        secretBytes = SecretOption.resolve(secret, secretFile, "--ingest-secret (PUSHLINE_INGEST_SECRET)",
                "--ingest-secret-file (PUSHLINE_INGEST_SECRET_FILE)");
        try {
            allowed = CidrSet.parse(allow, CidrSet.ANY);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--ingest-allow (PUSHLINE_INGEST_ALLOW): " + e.getMessage(), e);
        }
        if (authTimeout.isZero() || authTimeout.isNegative()) {
            throw new IllegalArgumentException("--ingest-auth-timeout (PUSHLINE_INGEST_AUTH_TIMEOUT) must be positive");
        }
        if (rateLimit < 0) {
            throw new IllegalArgumentException("--ingest-rate-limit (PUSHLINE_INGEST_RATE_LIMIT) must be 0 (off) or positive, got " + rateLimit);
        }
        return this;
    }

    public IngestGuardOptions withSecret(String s) { this.secret = s; return validate(); }
    public IngestGuardOptions withAllow(String cidrs) { this.allow = cidrs; return validate(); }
    public IngestGuardOptions withRateLimit(int linesPerSecond) { this.rateLimit = linesPerSecond; return validate(); }
    public IngestGuardOptions withTls(String certFile, String keyFile) { this.tlsCert = certFile; this.tlsKey = keyFile; return validate(); }

    byte[] secretBytes() { return secretBytes; }
    Duration authTimeout() { return authTimeout; }
    public IngestGuardOptions withAuthTimeout(Duration d) { this.authTimeout = d; return validate(); }
    CidrSet allowed() { return allowed; }
    int rateLimit() { return rateLimit; }
    String tlsCert() { return tlsCert; }
    String tlsKey() { return tlsKey; }
}
