package io.pushline.ingest.line;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.pushline.common.log.LogThrottle;
import io.pushline.common.protocol.InvalidLineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one ingest, shared by its connections, and their meters once {@link #bindTo bound}. Thread-safe.
 */
public final class IngestStats {

    private static final Logger log = LoggerFactory.getLogger(IngestStats.class);

    private final LongAdder ok = new LongAdder();
    private final LongAdder offline = new LongAdder();
    private final LongAdder brokerErrors = new LongAdder();
    private final Map<InvalidLineException.Reason, LongAdder> refused = new EnumMap<>(InvalidLineException.Reason.class);
    private volatile Timer publishLatency;
    /** When the last broker-error line was logged (nanoTime), so that an outage logs a line a second, not a line a push. */
    private final LogThrottle errorLog = new LogThrottle(Duration.ofSeconds(1));
    private final LogThrottle fanoutLog = new LogThrottle(Duration.ofSeconds(1));

    public IngestStats() {
        for (InvalidLineException.Reason r : InvalidLineException.Reason.values()) {
            refused.put(r, new LongAdder());
        }
    }

    void ok() { ok.increment(); }
    void offline() { offline.increment(); }
    /** A line answered fail because the broker failed: counted, and its cause logged at most once a second. */
    void brokerError(Throwable cause) {
        brokerErrors.increment();
        if (errorLog.allow()) {
            Throwable e = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
            log.warn("ingest: a line got fail because the broker failed: {} ({} such lines so far; at most one line a second here)",
                    e.toString(), brokerErrors.sum());
        }
    }
    void refused(InvalidLineException.Reason reason) { refused.get(reason).increment(); }

    /**
     * A valid line refused because publishing it once per target would cost Redis more than the cap: counted, and
     * named at most once a second, since a backend that sends one usually sends many.
     */
    void fanoutRefused(int lineBytes, int targets, long maxFanoutBytes, Object peer) {
        LongAdder count = refused.get(InvalidLineException.Reason.FANOUT_TOO_LARGE);
        count.increment();
        if (fanoutLog.allow()) {
            log.warn("ingest: refused a line from {}: {} bytes to {} uids is {} bytes of publishes, over --max-fanout-bytes "
                    + "(PUSHLINE_MAX_FANOUT_BYTES) {}; send it to fewer uids at once ({} such lines so far; at most one line "
                    + "a second here)", peer, lineBytes, targets, (long) lineBytes * targets, maxFanoutBytes, count.sum());
        }
    }

    /** How long the broker took to answer one line (presence check and publish, one round trip on Redis). */
    void publishTook(long nanos) {
        Timer t = publishLatency;
        if (t != null) {
            t.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    public long okCount() { return ok.sum(); }
    public long offlineCount() { return offline.sum(); }
    public long brokerErrorCount() { return brokerErrors.sum(); }
    public long refusedCount(InvalidLineException.Reason reason) { return refused.get(reason).sum(); }

    public void bindTo(MeterRegistry registry) {
        lines(registry, "ok", ok);
        lines(registry, "offline", offline);
        lines(registry, "error", brokerErrors);
        refused.forEach((reason, count) -> FunctionCounter.builder("pushline_ingest_refused_lines", count, LongAdder::sum)
                .tag("reason", reason.name().toLowerCase())
                .description("lines answered fail because they are not valid requests").register(registry));
        publishLatency = Timer.builder("pushline_ingest_publish_latency")
                .description("time from a line's parse to the broker's answer")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(2))
                .register(registry);
    }

    /** One family, so one description for every result (Prometheus shows a family's first description only). */
    private static void lines(MeterRegistry registry, String result, LongAdder count) {
        FunctionCounter.builder("pushline_ingest_lines", count, LongAdder::sum).tag("result", result)
                .description("lines answered, by result: ok (a target uid was online and the line was published), "
                        + "offline (fail: no target uid online), error (fail: the broker failed or timed out)")
                .register(registry);
    }
}
