package io.pushline.common.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.Marker;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one library logger's warnings and errors through at most once per interval, for the libraries that log per
 * request on an event loop. Lettuce's {@code DefaultEndpoint} logs a WARN with a stack trace for every command it
 * refuses when a connection's queue is full: an overload of the ingest wrote 32,180 of them (42 MB) from its event
 * loops. Configured in {@code logback.xml}; decided before the event (and its stack trace) is formatted, so a
 * denied one costs a name comparison. Levels below WARN are left to the logger's level.
 */
public final class ThrottledLoggerFilter extends TurboFilter {

    private String loggerName;
    private long everyMillis = 1_000;
    private LogThrottle throttle;
    private final AtomicLong denied = new AtomicLong();

    /** The logger to throttle, exactly (not its children). */
    public void setLoggerName(String loggerName) {
        this.loggerName = loggerName;
    }

    /** At most one event per this many milliseconds; default 1,000. */
    public void setEveryMillis(long everyMillis) {
        this.everyMillis = everyMillis;
    }

    @Override
    public void start() {
        if (loggerName == null || loggerName.isEmpty() || everyMillis <= 0) {
            addError("ThrottledLoggerFilter needs a loggerName and a positive everyMillis, got " + loggerName + " and " + everyMillis);
            return;
        }
        throttle = new LogThrottle(Duration.ofMillis(everyMillis));
        super.start();
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == null || level.levelInt < Level.WARN_INT || format == null || !loggerName.equals(logger.getName())) {
            return FilterReply.NEUTRAL;
        }
        if (throttle.allow()) {
            return FilterReply.NEUTRAL;
        }
        denied.incrementAndGet();
        return FilterReply.DENY;
    }

    /** Events held back so far. */
    public long denied() {
        return denied.get();
    }
}
